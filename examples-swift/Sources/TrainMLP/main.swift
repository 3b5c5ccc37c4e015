// TrainMLP: the seed notebook's MLP, `nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))`,
// trained from a separate Swift package that depends on Swish (see ../Package.swift) on real data: the
// 8x8 handwritten digits bundled in examples-c/data (1437 training and 360 test images, the project's
// split: row i is a test row when i % 5 == 4; pixels scaled to [0, 1]). Adam, learning rate 1e-3, batch 64.
// Prints each epoch's line and exits non-zero unless the training loss fell below a third of the first
// epoch's and the test accuracy reached 0.9.
//
//     swift run -c release TrainMLP [path/to/digits.csv.gz] [epochs]
import Glibc
import Swish

/// The rows of a gzip-compressed CSV file of integers (read through `gzip -dc`), or nil if it cannot be read.
func readCompressedCSV(_ path: String) -> [[Int]]? {
    guard access(path, R_OK) == 0, let pipe = popen("gzip -dc '\(path)'", "r") else { return nil }
    var rows: [[Int]] = []
    var line: UnsafeMutablePointer<CChar>? = nil
    var capacity = 0
    while getline(&line, &capacity, pipe) > 0 {
        let row = String(cString: line!).split { $0 == "," || $0.isWhitespace }.compactMap { Int($0) }
        if !row.isEmpty { rows.append(row) }
    }
    free(line)
    return pclose(pipe) == 0 ? rows : nil
}

/// Images [n, 64] scaled to [0, 1] and int64 labels [n].
func tensors(_ rows: [[Int]]) -> (images: Tensor, labels: Tensor) {
    let pixels = rows.flatMap { $0.dropLast().map { Float($0) / 16 } }
    return (Tensor(pixels, shape: [rows.count, 64]), Tensor(indices: rows.map { $0.last! }))
}

// The bundled data, found from this file's place in the repository unless a path is given.
let sourceRoot = String(#filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(4).joined(separator: "/"))
let path = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : sourceRoot + "/examples-c/data/digits.csv.gz"
let epochs = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 10 : 10
guard let rows = readCompressedCSV(path), rows.count > 10, rows.allSatisfy({ $0.count == 65 }) else {
    print("cannot read the digits data (64 pixels and a label per row) from \(path)")
    exit(1)
}
let train = tensors(rows.indices.filter { $0 % 5 != 4 }.map { rows[$0] })
let test = tensors(rows.indices.filter { $0 % 5 == 4 }.map { rows[$0] })
print("digits: \(train.images.shape[0]) training and \(test.images.shape[0]) test images")

manualSeed(0)
let net = Sequential(LazyLinear(256), ReLU(), LazyLinear(10))
_ = net(test.images)   // the first forward gives the lazy layers their input size, as in the seed
print(net)
print("net[0].weight: \(net[0].weight.shape), net[2].bias: \(net[2].bias.shape)")

let optimizer = try Adam(net.parameters(), learningRate: 1e-3)
let batches = try MiniBatches(inputs: train.images, targets: train.labels, batchSize: 64, generator: Generator(seed: 0))
var epochLosses: [Float] = []
var testAccuracy: Float = 0
for epoch in 1...epochs {
    var meter = EpochMeter()
    for (x, y) in batches {
        optimizer.zeroGrad()
        let logits = net(x)
        let loss = crossEntropy(logits, y)
        loss.backward()
        optimizer.step()
        meter.add(loss: loss.item(), correct: correctPredictions(logits, y), count: x.shape[0])
    }
    meter.finish(epoch: epoch, epochs: epochs)
    epochLosses.append(meter.meanLoss)
    testAccuracy = withNoGrad { accuracy(net(test.images), test.labels) }
}
print("training loss \(epochLosses.first!) -> \(epochLosses.last!), test accuracy \(testAccuracy)")
guard epochLosses.last! < epochLosses.first! / 3, testAccuracy >= 0.9 else {
    print("FAILED: the loss did not fall to a third, or the test accuracy stayed below 0.9")
    exit(1)
}
