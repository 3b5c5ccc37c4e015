import Foundation
import Testing

@testable import Swish

// Modules, state dicts and optimizers as safetensors files: PyTorch's files load into the equivalent
// Swish models and reproduce PyTorch's outputs (fixtures from Tests/generate/gen_safetensors.py), tied
// parameters stay tied through every round trip, a failed load changes nothing, and training resumes bit
// for bit from a saved model and optimizer.

/// The path of a fixture file in Tests/SwishTests/Fixtures.
func fixturePath(_ name: String, _ ext: String = "safetensors") throws -> String {
    guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: ext) else {
        throw FixtureError("fixture \(name).\(ext) is missing; run Tests/generate/gen_safetensors.py")
    }
    return url.path
}

/// Every parameter and buffer of the module's state dict as bit patterns, for exact comparisons.
func stateBits(_ m: Module) -> [String: [UInt32]] {
    Dictionary(m.stateDict().map { ($0.key, bitPatterns($0.value)) }, uniquingKeysWith: { a, _ in a })
}

/// The seed notebook's tied net: a shared Linear(8, 8) placed at 2 and 4.
func tiedNet(generator: Generator? = nil) -> Sequential {
    let shared = Linear(8, 8, generator: generator)
    return Sequential(
        Linear(4, 8, generator: generator), ReLU(), shared, ReLU(), shared, ReLU(), Linear(8, 1, generator: generator))
}

/// `chimera = nn.Sequential(NestMLP(), nn.LazyLinear(20), FixedHiddenMLP())`
func chimeraNet() -> Sequential {
    Sequential(SeedNets.NestMLP(), LazyLinear(20), SeedNets.FixedHiddenMLP())
}

/// Runs `body` with a fresh temporary folder that is removed afterwards.
func withTemporaryFolder<R>(_ body: (URL) throws -> R) throws -> R {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    return try body(folder)
}

@Suite struct CheckpointPyTorchFixtureTests {
    @Test func seedMLPLoadsIntoLazyModulesAndReproducesPyTorch() throws {
        let net = SeedNets.MLP()
        #expect(net.hasUninitializedParameters)
        let report = try net.load(from: try fixturePath("mlp"))
        #expect(report == IncompatibleKeys(missingKeys: [], unexpectedKeys: []))
        #expect(net.hidden.weight.shape == [256, 20])
        let io = try Safetensors.loadStateDict(from: try fixturePath("mlp_io"))
        let y = net(try #require(io["X"]))
        expectClose(y, try #require(io["Y"]).scalars, shape: [2, 10], atol: 1e-5, rtol: 0, "MLP output")
    }

    @Test func tiedNetFromSaveModelLoadsAndStaysTied() throws {
        // save_model stored 2.weight and 2.bias once and recorded 4.* as aliases in __metadata__.
        let sd = try Safetensors.loadStateDict(from: try fixturePath("tied"))
        #expect(sd.metadata == ["4.weight": "2.weight", "4.bias": "2.bias"])
        #expect(sd.keys == ["0.bias", "0.weight", "2.bias", "2.weight", "6.bias", "6.weight", "4.bias", "4.weight"])
        #expect(sd["4.weight"] === sd["2.weight"] && sd["4.bias"] === sd["2.bias"])

        let net = tiedNet()
        let shared = net[2].weight
        try net.load(from: try fixturePath("tied"))
        #expect(net[2].weight === shared && net[4].weight === shared, "the layers still share one weight")
        let io = try Safetensors.loadStateDict(from: try fixturePath("tied_io"))
        expectClose(net(try #require(io["X"])), try #require(io["Y"]).scalars, shape: [2, 1], atol: 1e-5, rtol: 0, "tied net")

        // A plain load_state_dict of the file's own tensors misses the aliases, as in PyTorch ...
        let raw = try Safetensors.loadStateDict(from: try fixturePath("tied"), resolvingAliases: false)
        #expect(raw.count == 6)
        #expect(net.loadStateDict(raw, strict: false).missingKeys == ["4.weight", "4.bias"])
        // ... but loading it into a module fills them from the module's tied group (load_model's rule).
        let again = tiedNet()
        #expect(try again._load(raw, strict: true) == IncompatibleKeys(missingKeys: [], unexpectedKeys: []))
        #expect(stateBits(again) == stateBits(net))
    }

    @Test func tieByAssignmentSurvivesLoading() throws {
        // Two distinct modules whose weights were tied by assignment (net[4].weight = net[2].weight).
        let net = Sequential(Linear(4, 8), ReLU(), Linear(8, 8), ReLU(), Linear(8, 8), ReLU(), Linear(8, 1))
        net[4].weight = net[2].weight
        net[4].bias = net[2].bias
        try net.load(from: try fixturePath("tied"))
        #expect(net[4].weight === net[2].weight)
        let io = try Safetensors.loadStateDict(from: try fixturePath("tied_io"))
        expectClose(net(try #require(io["X"])), try #require(io["Y"]).scalars, atol: 1e-5, rtol: 0, "tied by assignment")
    }

    @Test func lazyTiedNetTakesShapesAndFillsAliasesFromItsTiedGroup() throws {
        // Uninitialized lazy layers, the shared one placed twice: the tied group is known by module and slot.
        let shared = LazyLinear(8)
        let net = Sequential(LazyLinear(8), ReLU(), shared, ReLU(), shared, ReLU(), LazyLinear(1))
        #expect(net._tiedStateKeys() == [["2.weight", "4.weight"], ["2.bias", "4.bias"]])
        let raw = try Safetensors.loadStateDict(from: try fixturePath("tied"), resolvingAliases: false)
        #expect(try net._load(raw, strict: true) == IncompatibleKeys(missingKeys: [], unexpectedKeys: []))
        #expect(net[2].weight === net[4].weight && net[2].weight.shape == [8, 8])
        let io = try Safetensors.loadStateDict(from: try fixturePath("tied_io"))
        expectClose(net(try #require(io["X"])), try #require(io["Y"]).scalars, atol: 1e-5, rtol: 0, "lazy tied net")
    }

    @Test func chimeraLoadsAndReproducesPyTorch() throws {
        let chimera = chimeraNet()
        let io = try Safetensors.loadStateDict(from: try fixturePath("chimera_io"))
        try chimera.load(from: try fixturePath("chimera"))
        // rand_weight is a plain attribute in PyTorch, so not in the state dict: set it from the io file.
        chimera[2].rand_weight = try #require(io["rand_weight"])
        let y = chimera(try #require(io["X"]))
        expectClose(y, try #require(io["Y"]).scalars, shape: [], atol: 1e-5, rtol: 0, "chimera output")
    }
}

@Suite struct CheckpointModuleTests {
    @Test func saveWritesStateDictKeysAndTiedOnesTwice() throws {
        try withTemporaryFolder { folder in
            let net = tiedNet(generator: Generator(seed: 5))
            let path = folder.appendingPathComponent("tied.safetensors").path
            try net.save(to: path, metadata: ["epoch": "7"])
            let file = try Safetensors.load(from: path)
            #expect(Set(file.tensors.map(\.name)) == Set(net.stateDict().keys))
            #expect(file.tensors.count == 8)
            #expect(file.metadata == ["epoch": "7"])
            #expect(bitPatterns(file["2.weight"]!) == bitPatterns(file["4.weight"]!), "tied weights as equal data")

            // Back into a fresh tied net: same values, still tied.
            let fresh = tiedNet(generator: Generator(seed: 99))
            #expect(stateBits(fresh) != stateBits(net))
            try fresh.load(from: path)
            #expect(stateBits(fresh) == stateBits(net))
            #expect(fresh[2].weight === fresh[4].weight)
            let x = Tensor.rand([3, 4], generator: Generator(seed: 1))
            #expect(bitPatterns(fresh(x)) == bitPatterns(net(x)))

            // And through a StateDict value with its metadata.
            let sd = try Safetensors.loadStateDict(from: path)
            #expect(sd.metadata == ["epoch": "7"])
            let copy = folder.appendingPathComponent("copy.safetensors").path
            try Safetensors.save(sd, to: copy)
            #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == (try Data(contentsOf: URL(fileURLWithPath: path))))
        }
    }

    @Test func lazyModuleCannotBeSavedBeforeItsFirstInput() throws {
        try withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("lazy.safetensors").path
            #expect {
                try SeedNets.MLP().save(to: path)
            } throws: { error in
                guard case SwishError.state(let m) = error else { return false }
                return m.contains("uninitialized parameter")
            }
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func nonStrictLoadReportsMissingAndUnexpectedKeys() throws {
        // The seed MLP's file into a net with `hidden` but an `extra` layer instead of `out`.
        final class Other: Module {
            let hidden = Linear(20, 256)
            let extra = Linear(256, 3)
        }
        let net = Other()
        let extraBefore = bitPatterns(net.extra.weight)
        let report = try net.load(from: try fixturePath("mlp"), strict: false)
        #expect(report.missingKeys == ["extra.weight", "extra.bias"])
        #expect(report.unexpectedKeys == ["out.bias", "out.weight"])
        let file = try Safetensors.loadStateDict(from: try fixturePath("mlp"))
        #expect(bitPatterns(net.hidden.weight) == bitPatterns(file["hidden.weight"]!), "matching keys were loaded")
        #expect(bitPatterns(net.extra.weight) == extraBefore, "missing keys keep their values")

        // Strict: an error listing both, and nothing changed.
        let strictNet = Other()
        let before = stateBits(strictNet)
        #expect {
            try strictNet.load(from: try fixturePath("mlp"))
        } throws: { error in
            guard case SwishError.invalidArgument(let m) = error else { return false }
            return m.contains(#"Missing key(s) in state_dict: "extra.weight", "extra.bias""#)
                && m.contains(#"Unexpected key(s) in state_dict: "out.bias", "out.weight""#)
        }
        #expect(stateBits(strictNet) == before)
    }

    @Test func failedLoadsLeaveTheModuleUnchanged() throws {
        try withTemporaryFolder { folder in
            let good = folder.appendingPathComponent("good.safetensors").path
            try tiedNet(generator: Generator(seed: 3)).save(to: good)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
            let net = tiedNet(generator: Generator(seed: 4))
            let before = stateBits(net)

            func expectFailure(_ name: String, _ content: [UInt8]?, _ check: (SwishError) -> Bool) throws {
                let path = folder.appendingPathComponent(name).path
                if let content { try Data(content).write(to: URL(fileURLWithPath: path)) }
                #expect(throws: SwishError.self, "\(name)") {
                    do { try net.load(from: path) } catch let e as SwishError {
                        #expect(check(e), "\(name): \(e)")
                        throw e
                    }
                }
                #expect(stateBits(net) == before, "\(name) changed the module")
            }
            func isFormat(_ e: SwishError) -> Bool { if case .format = e { true } else { false } }
            try expectFailure("truncated", Array(bytes.dropLast(5)), isFormat)
            try expectFailure("zeros", [UInt8](repeating: 0, count: bytes.count), isFormat)
            try expectFailure("random", randomBytes(bytes.count, seed: 9), isFormat)
            try expectFailure("missing", nil) { if case .io = $0 { true } else { false } }
            // A valid file of the wrong shapes: a shape error listing the mismatch, nothing copied.
            var wrong = StateDict(tiedNet().stateDict().map { ($0.key, $0.value) })
            wrong["6.weight"] = Tensor.zeros([2, 8])
            try Safetensors.save(wrong, to: folder.appendingPathComponent("shape.safetensors").path)
            try expectFailure("shape.safetensors", nil) { e in
                if case .shape(let m) = e { m.contains("size mismatch for 6.weight") } else { false }
            }
        }
    }

    @Test func aliasesAreOnlyMetadataEntriesNamingAStoredTensor() throws {
        let contents = Safetensors.Contents(
            tensors: [("a", Tensor([1])), ("b", Tensor([2]))],
            metadata: ["format": "pt", "b": "a", "c": "a", "d": "missing", "__metadata__": "a"])
        let sd = Safetensors.stateDict(of: contents)
        // "format" -> "pt" names no tensor, "b" is a tensor itself, "d" names no tensor, "__metadata__" is
        // reserved: only "c" is an alias.
        #expect(sd.keys == ["a", "b", "c"])
        #expect(sd["c"] === sd["a"])
        #expect(sd.metadata == contents.metadata)
        #expect(Safetensors.stateDict(of: contents, resolvingAliases: false).keys == ["a", "b"])
    }
}

// MARK: Optimizer state

/// A small regression problem: fixed inputs and targets, an MLP, the mean squared error.
struct Problem {
    let x = Tensor.randn([16, 4], generator: Generator(seed: 21))
    let y = Tensor.randn([16, 3], generator: Generator(seed: 22))

    func net(seed: UInt64) -> Sequential {
        let g = Generator(seed: seed)
        return Sequential(Linear(4, 8, generator: g), Tanh(), Linear(8, 8, generator: g), ReLU(), Linear(8, 3, generator: g))
    }

    /// One training step on batch `k` (each step sees a different half of the data, so the steps differ).
    func step(_ net: Module, _ opt: Optimizer, _ k: Int) {
        opt.zeroGrad()
        let rows = (0..<8).map { (k * 3 + $0) % 16 }
        let loss = mseLoss(net(x.takeRows(rows)), y.takeRows(rows))
        loss.backward()
        opt.step()
    }
}

/// Every optimizer state tensor and step count as bits, keyed by parameter index and buffer name.
func optimizerBits(_ opt: Optimizer) -> [String: [UInt32]] {
    var out: [String: [UInt32]] = ["lr": [opt.learningRate.bitPattern]]
    for (i, s) in opt.stateSnapshot().enumerated() {
        guard let s else { continue }
        out["\(i).step"] = [UInt32(s.step)]
        for (name, t) in s.buffers { out["\(i).\(name)"] = bitPatterns(t) }
    }
    return out
}

@Suite struct CheckpointOptimizerTests {
    typealias MakeOptimizer = @Sendable ([Tensor]) throws -> Optimizer

    static let optimizers: [(String, MakeOptimizer)] = [
        ("Adam", { try Adam($0, learningRate: 1e-2, weightDecay: 1e-3) }),
        ("Adam amsgrad", { try Adam($0, learningRate: 1e-2, amsgrad: true) }),
        ("AdamW", { try AdamW($0, learningRate: 1e-2) }),
        ("SGD momentum", { try SGD($0, learningRate: 5e-2, momentum: 0.9, dampening: 0.1, weightDecay: 1e-4) }),
        ("SGD nesterov", { try SGD($0, learningRate: 5e-2, momentum: 0.9, nesterov: true) }),
        ("SGD plain", { try SGD($0, learningRate: 5e-2) }),
        ("Yogi", { try Yogi($0, learningRate: 1e-2) }),
    ]

    /// N steps, save model and optimizer, load both into fresh objects (other initial weights), M more
    /// steps: the parameters and optimizer state equal N + M steps straight through, bit for bit.
    @Test(arguments: 0..<optimizers.count)
    func resumeIsBitExact(_ which: Int) throws {
        let (name, make) = Self.optimizers[which]
        let p = Problem()
        let n = 3, m = 4

        let straight = p.net(seed: 1)
        let straightOpt = try make(straight.parameters())
        for k in 0..<(n + m) {
            if k == 5 { straightOpt.learningRate /= 2 }  // a schedule step after the save must carry over too
            p.step(straight, straightOpt, k)
        }

        try withTemporaryFolder { folder in
            let model = folder.appendingPathComponent("model.safetensors").path
            let state = folder.appendingPathComponent("optimizer.safetensors").path
            do {
                let first = p.net(seed: 1)
                let opt = try make(first.parameters())
                for k in 0..<n { p.step(first, opt, k) }
                try first.save(to: model)
                try opt.save(to: state, module: first)
            }
            let resumed = p.net(seed: 2)
            let opt = try make(resumed.parameters())
            try resumed.load(from: model)
            try opt.load(from: state, module: resumed)
            for k in n..<(n + m) {
                if k == 5 { opt.learningRate /= 2 }
                p.step(resumed, opt, k)
            }
            #expect(stateBits(resumed) == stateBits(straight), "\(name): parameters after resuming")
            #expect(optimizerBits(opt) == optimizerBits(straightOpt), "\(name): optimizer state after resuming")
        }
    }

    @Test func resumeWithTiedParametersAndAParameterThatNeverUpdated() throws {
        // A tied net (the shared layer is one parameter pair for the optimizer) plus a tensor the loss
        // never uses (no gradient, so it has no state: step 0), named by position (no module).
        let x = Tensor.rand([5, 4], generator: Generator(seed: 1)), y = Tensor.rand([5, 1], generator: Generator(seed: 2))
        func run(_ net: Sequential, _ opt: Optimizer, _ steps: Range<Int>) {
            for k in steps {
                opt.zeroGrad()
                mseLoss(net(x * Float(k + 1)), y).backward()
                opt.step()
            }
        }
        let unused = Tensor.zeros([3], requiresGrad: true)
        let straight = tiedNet(generator: Generator(seed: 1))
        let straightOpt = try Yogi(straight.parameters() + [unused])
        #expect(straightOpt.parameters.count == 7)
        run(straight, straightOpt, 0..<5)

        try withTemporaryFolder { folder in
            let model = folder.appendingPathComponent("m.safetensors").path
            let state = folder.appendingPathComponent("o.safetensors").path
            let first = tiedNet(generator: Generator(seed: 1))
            let firstOpt = try Yogi(first.parameters() + [Tensor.zeros([3], requiresGrad: true)])
            run(first, firstOpt, 0..<2)
            try first.save(to: model)
            try firstOpt.save(to: state)
            let file = try Safetensors.load(from: state)
            #expect(file.metadata["state.6.step"] == "0", "the unused tensor was never updated")
            #expect(file.metadata["state.2.step"] == "2")
            #expect(file["state.6.exp_avg"] == nil)
            #expect(file.tensors.count == 12)

            let resumed = tiedNet(generator: Generator(seed: 7))
            let opt = try Yogi(resumed.parameters() + [Tensor.zeros([3], requiresGrad: true)])
            try resumed.load(from: model)
            try opt.load(from: state)
            run(resumed, opt, 2..<5)
            #expect(stateBits(resumed) == stateBits(straight))
            #expect(optimizerBits(opt) == optimizerBits(straightOpt))
        }
    }

    @Test func fileLayoutNamesStateByParameterName() throws {
        let net = Sequential(Linear(2, 3, generator: Generator(seed: 1)), ReLU(), Linear(3, 1, generator: Generator(seed: 2)))
        let opt = try Adam(net.parameters(), learningRate: 0.25, weightDecay: 0.5)
        opt.zeroGrad()
        mseLoss(net(Tensor.ones([4, 2])), Tensor.zeros([4, 1])).backward()
        opt.step()
        let file = try opt._stateFile(module: net)
        #expect(
            file.tensors.map(\.name).sorted() == [
                "state.0.bias.exp_avg", "state.0.bias.exp_avg_sq", "state.0.weight.exp_avg", "state.0.weight.exp_avg_sq",
                "state.2.bias.exp_avg", "state.2.bias.exp_avg_sq", "state.2.weight.exp_avg", "state.2.weight.exp_avg_sq",
            ])
        #expect(
            file.metadata == [
                "optimizer": "Adam", "optimizer_state_version": "1", "lr": "0.25", "beta1": "0.8999999761581421",
                "beta2": "0.9990000128746033", "eps": "9.99999993922529e-09", "weight_decay": "0.5", "amsgrad": "0",
                "state.0.weight.step": "1", "state.0.bias.step": "1", "state.2.weight.step": "1", "state.2.bias.step": "1",
            ])
        #expect(file.tensors.first { $0.name == "state.0.weight.exp_avg" }?.tensor.shape == [3, 2])
    }

    /// Saves the state of an Adam after two steps; returns the file's path.
    func savedAdam(_ folder: URL, _ net: Sequential, weightDecay: Float = 0) throws -> String {
        let opt = try Adam(net.parameters(), learningRate: 1e-2, weightDecay: weightDecay)
        for k in 0..<2 { Problem().step(net, opt, k) }
        let path = folder.appendingPathComponent("adam.safetensors").path
        try opt.save(to: path, module: net)
        return path
    }

    @Test func loadValidatesEverythingAndChangesNothingOnFailure() throws {
        try withTemporaryFolder { folder in
            let p = Problem()
            let net = p.net(seed: 1)
            let path = try savedAdam(folder, net)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))

            // The target: an Adam that has taken one step of its own, so "unchanged" is visible.
            let target = try Adam(net.parameters(), learningRate: 1e-2)
            p.step(net, target, 7)
            target.learningRate = 0.125
            let before = optimizerBits(target)

            func expectRefused(
                _ what: String, _ opt: Optimizer, module: Module? = nil, byPosition: Bool = false, file: String? = nil,
                bytes content: [UInt8]? = nil, _ check: (SwishError) -> Bool
            ) throws {
                var source = file ?? path
                if let content {
                    source = folder.appendingPathComponent("\(what).safetensors").path
                    try Data(content).write(to: URL(fileURLWithPath: source))
                }
                let snapshot = optimizerBits(opt)
                do {
                    try opt.load(from: source, module: byPosition ? nil : module ?? net)
                    Issue.record("\(what): the load succeeded")
                } catch let e as SwishError {
                    #expect(check(e), "\(what): \(e)")
                }
                #expect(optimizerBits(opt) == snapshot, "\(what) changed the optimizer")
            }
            func message(_ e: SwishError, _ status: (String) -> SwishError, _ piece: String) -> Bool {
                e == status(e.message) && e.message.contains(piece)
            }

            try expectRefused("truncated", target, bytes: Array(bytes.dropLast(3))) { message($0, SwishError.format, "out of bounds") }
            try expectRefused("zeros", target, bytes: [UInt8](repeating: 0, count: 100)) { message($0, SwishError.format, "the header is empty") }
            try expectRefused("random", target, bytes: randomBytes(300, seed: 5)) { message($0, SwishError.format, "larger than the limit") }
            try expectRefused("missing", target, file: folder.appendingPathComponent("none").path) {
                message($0, SwishError.io, "cannot open")
            }
            // A model's weights are not an optimizer state.
            let weights = folder.appendingPathComponent("weights.safetensors").path
            try net.save(to: weights)
            try expectRefused("weights", target, file: weights) { message($0, SwishError.format, "not an optimizer state") }
            // Another kind of optimizer, other hyperparameters, other parameters.
            try expectRefused("kind", try SGD(net.parameters(), momentum: 0.9)) {
                message($0, SwishError.invalidArgument, "the state of a Adam optimizer; this optimizer is a SGD")
            }
            try expectRefused("AdamW", try AdamW(net.parameters(), learningRate: 1e-2)) {
                message($0, SwishError.invalidArgument, "this optimizer is a AdamW")
            }
            try expectRefused("hyperparameters", try Adam(net.parameters(), weightDecay: 0.5, amsgrad: true)) {
                message($0, SwishError.invalidArgument, "amsgrad is 0 in the file, 1 here; weight_decay is 0 in the file, 0.5 here")
            }
            let other = Sequential(Linear(4, 8), Tanh(), Linear(8, 3))
            try expectRefused("other parameters", try Adam(other.parameters(), learningRate: 1e-2), module: other) {
                message($0, SwishError.invalidArgument, "state for parameters it does not have: '4.bias', '4.weight'")
            }
            // Without a module the names are positions (0 to 5), which are not the file's names.
            try expectRefused("by position", target, byPosition: true) {
                message($0, SwishError.invalidArgument, "numbered by position (no module given): no state for '0', '1'")
            }
            let otherShape = Sequential(Linear(4, 8), Tanh(), Linear(8, 8), ReLU(), Linear(8, 2))
            try expectRefused("shapes", try Adam(otherShape.parameters(), learningRate: 1e-2), module: otherShape) {
                message($0, SwishError.shape, "the saved exp_avg of '4.weight' has shape [3, 8], but the parameter has shape [2, 8]")
            }
            // Hand-edited files: a bad step count, a missing buffer, an unknown buffer.
            var contents = try Safetensors.decode(bytes)
            contents.metadata["state.0.bias.step"] = "-1"
            try expectRefused("step", target, bytes: try Safetensors.encode(contents.tensors, metadata: contents.metadata)) {
                message($0, SwishError.format, "the step count of '0.bias' is '-1'")
            }
            contents = try Safetensors.decode(bytes)
            contents.tensors.removeAll { $0.name == "state.2.weight.exp_avg_sq" }
            try expectRefused("buffer", target, bytes: try Safetensors.encode(contents.tensors, metadata: contents.metadata)) {
                message($0, SwishError.format, "the state of '2.weight' (step 2) lacks its buffer(s) exp_avg_sq")
            }
            contents = try Safetensors.decode(bytes)
            contents.tensors.append(("state.2.weight.momentum_buffer", Tensor.zeros([8, 8])))
            try expectRefused("unknown buffer", target, bytes: try Safetensors.encode(contents.tensors, metadata: contents.metadata)) {
                message($0, SwishError.format, "Adam keeps no buffer 'momentum_buffer'")
            }
            #expect(optimizerBits(target) == before)

            // The valid file loads, replacing the state and the learning rate.
            try target.load(from: path, module: net)
            #expect(target.learningRate == 1e-2)
            #expect(target.stateSnapshot().allSatisfy { $0?.step == 2 })
        }
    }

    @Test func saveNeedsEveryParameterInTheModule() throws {
        let net = Problem().net(seed: 1)
        let opt = try SGD(net.parameters() + [Tensor.zeros([2], requiresGrad: true)])
        #expect {
            try opt._stateFile(module: net)
        } throws: { error in
            guard case SwishError.invalidArgument(let m) = error else { return false }
            return m.contains("parameter 6 of the optimizer (shape [2]) is not a parameter of the Sequential")
        }
    }
}
