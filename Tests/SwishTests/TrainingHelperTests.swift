import Testing

@testable import Swish

// Mini-batches, row gathers, accuracy and progress lines.

@Suite struct TrainingHelperTests {
    /// 10 samples of 2 features; sample i is [i, 10 + i] with label i % 3.
    static func data() -> (Tensor, Tensor) {
        (Tensor((0..<10).flatMap { [Float($0), Float(10 + $0)] }, shape: [10, 2]), Tensor(indices: (0..<10).map { $0 % 3 }))
    }

    @Test func everySampleOncePerEpochInBatchesThatKeepRowsAndLabelsTogether() throws {
        let (x, y) = Self.data()
        let batches = try MiniBatches(inputs: x, targets: y, batchSize: 4, generator: Generator(seed: 1))
        #expect(batches.batchCount == 3)
        var epochs: [[Float]] = []
        for _ in 0..<2 {
            var seen: [Float] = []
            var sizes: [Int] = []
            for (xb, yb) in batches {
                sizes.append(xb.shape[0])
                #expect(xb.shape.array == [xb.shape[0], 2] && yb.dtype == .int64)
                for r in 0..<xb.shape[0] {
                    let i = xb.scalars[2 * r]
                    #expect(xb.scalars[2 * r + 1] == 10 + i)
                    #expect(yb.scalars[r] == Float(Int(i) % 3))
                    seen.append(i)
                }
            }
            #expect(sizes == [4, 4, 2])
            #expect(seen.sorted() == (0..<10).map { Float($0) })
            epochs.append(seen)
        }
        #expect(epochs[0] != epochs[1], "each epoch draws a new order")
        #expect(epochs[0] != (0..<10).map { Float($0) }, "shuffled")
        // The same seed gives the same batches.
        let again = try MiniBatches(inputs: x, targets: y, batchSize: 4, generator: Generator(seed: 1))
        #expect(again.flatMap { $0.inputs.scalars.enumerated().filter { $0.offset % 2 == 0 }.map { $0.element } } == epochs[0])
    }

    /// swish_randperm draws its permutation with `nextInt(below:)` in the caller's buffer; it must give the
    /// permutation MiniBatches uses for the same seed.
    @Test func permutationEqualsFisherYatesWithNextInt() {
        let a = Generator(seed: 9).permutation(50)
        let g = Generator(seed: 9)
        var b = Array(0..<50)
        for i in stride(from: 49, to: 0, by: -1) { b.swapAt(i, g.nextInt(below: i + 1)) }
        #expect(a == b)
    }

    @Test func dropLastAndNoShuffle() throws {
        let (x, y) = Self.data()
        let batches = try MiniBatches(inputs: x, targets: y, batchSize: 4, shuffle: false, dropLast: true)
        #expect(batches.batchCount == 2)
        #expect(batches.map { $0.targets.scalars } == [[0, 1, 2, 0], [1, 2, 0, 1]])
        #expect(throws: SwishError.self) { try MiniBatches(inputs: x, targets: y, batchSize: 0) }
        #expect(throws: SwishError.self) { try MiniBatches(inputs: x, targets: Tensor(indices: [1, 2]), batchSize: 2) }
    }

    @Test func takeRowsGathersAndItsGradientScattersBack() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2])
        #expect(x.takeRows([2, 0, -1]).scalars == [5, 6, 1, 2, 5, 6])
        #expect(x.takeRows([]).shape.array == [0, 2])
        gradcheck([Tensor([0.5, -1, 2, 0.25, 3, -2], shape: [3, 2])]) { t in t[0].takeRows([1, 1, 0]).square() }
        #expect(throws: SwishError.self) { try [Int64(3)].withUnsafeBufferPointer { try Tensor._takeRows(x, $0) } }
    }

    @Test func accuracyCountsArgmaxHits() {
        let logits = Tensor([0.1, 0.9, 0.0, 2, 1, 0, 0.3, 0.3, 0.1, 0, 0, 5], shape: [4, 3])
        let labels = Tensor(indices: [1, 0, 1, 2])
        #expect(correctPredictions(logits, labels) == 3)  // row 2 ties: argmax takes the first (0), not 1
        #expect(accuracy(logits, labels) == 0.75)
        #expect(throws: SwishError.self) { try Tensor._accuracy(logits, Tensor(indices: [1, 0])) }
        #expect(throws: SwishError.self) { try Tensor._accuracy(Tensor.zeros([0, 3]), Tensor(indices: [])) }
    }

    @Test func progressLinesAndMeter() {
        #expect(
            TrainingProgress.line(epoch: 3, epochs: 10, loss: 0.23456, accuracy: 0.93126, samplesPerSecond: 48213.4)
                == "epoch 3/10: loss 0.2346, accuracy 0.9313, 48213 samples/s")
        #expect(
            TrainingProgress.line(epoch: 2, epochs: 0, loss: 1.5, accuracy: .nan, samplesPerSecond: 10)
                == "epoch 2: loss 1.5000, 10 samples/s")
        var meter = EpochMeter()
        meter.add(loss: 1.0, correct: 3, count: 4)
        meter.add(loss: 0.5, correct: 1, count: 2)
        #expect(Swift.abs(meter.meanLoss - 5.0 / 6.0) < 1e-6)
        #expect(meter.accuracy == Float(4) / Float(6))
        #expect(meter.samples == 6)
        let wasEnabled = TrainingProgress.isEnabled
        TrainingProgress.isEnabled = false
        defer { TrainingProgress.isEnabled = wasEnabled }
        #expect(meter.finish(epoch: 1, epochs: 2).hasPrefix("epoch 1/2: loss 0.8333, accuracy 0.6667, "))
    }
}
