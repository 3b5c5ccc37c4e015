import Foundation
import Testing

@testable import Swish

// Modules against PyTorch: the seed's nets with the weights of Fixtures/modules.json (written by
// Tests/generate/gen_modules.py) give PyTorch's outputs and gradients, names, key lists and printouts.
// Then the module machinery on its own: registration, lookup, lazy layers, state dict loading, traversal.

extension Fixture {
    /// A tensor stored as {"shape": [...], "f32": base64 of its little-endian float32 values}.
    static func base64Float32Tensor(from o: Any?) throws -> Tensor {
        guard let o = o as? [String: Any], let shape = o["shape"] as? [Int], let text = o["f32"] as? String,
            let bytes = Data(base64Encoded: text), bytes.count == shape.reduce(1, *) * 4
        else { throw FixtureError("not a base64 float32 tensor") }
        let values = (0..<bytes.count / 4).map { i in
            Float(bitPattern: UInt32(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self) }))
        }
        return Tensor(values, shape: Shape(shape))
    }

    func base64Tensor(_ key: String) throws -> Tensor { try Fixture.base64Float32Tensor(from: root[key]) }
}

/// A state dict stored in a fixture as {name: tensor}.
private func stateDict(_ f: Fixture, _ key: String) throws -> StateDict {
    let o = try f.child(key).root
    return StateDict(try o.keys.sorted().map { ($0, try Fixture.base64Float32Tensor(from: o[$0])) })
}

private func strings(_ f: Fixture, _ key: String) -> [String] { f[key] as? [String] ?? ["<missing \(key)>"] }

/// Expects every parameter's gradient to be the fixture's.
private func expectGradients(
    _ net: Module, _ f: Fixture, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let grads = try f.child("grads")
    #expect(net.namedParameters().map(\.name).sorted() == grads.root.keys.sorted(), sourceLocation: sourceLocation)
    for (name, p) in net.namedParameters() {
        guard let g = p.grad else {
            Issue.record("\(name) has no gradient", sourceLocation: sourceLocation)
            continue
        }
        let expected = try grads.base64Tensor(name)
        expectClose(g, expected.scalars, shape: expected.shape.array, atol: 1e-5, rtol: 1e-4, "\(name).grad",
            sourceLocation: sourceLocation)
    }
}

@Suite struct ModulesMatchPyTorch {
    let fixture: Fixture
    init() throws { fixture = try Fixture("modules") }

    @Test func mlpForwardAndGradients() throws {
        let f = try fixture.child("mlp")
        let net = SeedNets.MLP()
        #expect(net.description == (try f.string("repr_before")))
        // Loading into the uninitialized lazy layers creates their parameters with the fixture's shapes.
        net.loadStateDict(try stateDict(f, "state_dict"))
        #expect(net.description == (try f.string("repr_after")))
        #expect(net.namedParameters().map(\.name) == strings(f, "named_parameters"))
        #expect(net.stateDict().keys == strings(f, "state_dict_keys"))

        let y = net(try f.base64Tensor("x"))
        let expected = try f.base64Tensor("output")
        expectClose(y, expected.scalars, shape: expected.shape.array, "output")
        #expect(y.gradFnName == (try f.string("grad_fn")))
        (y * (try f.base64Tensor("loss_weight"))).sum().backward()
        try expectGradients(net, f)
    }

    @Test func chimeraForwardAndGradients() throws {
        let f = try fixture.child("chimera")
        let chimera = Sequential(SeedNets.NestMLP(), LazyLinear(20), SeedNets.FixedHiddenMLP())
        #expect(chimera.description == (try f.string("repr_before")))
        chimera.loadStateDict(try stateDict(f, "state_dict"))
        // The constant is not in the state dict (as in PyTorch): set it like an attribute.
        chimera[2].rand_weight = try f.base64Tensor("rand_weight")
        #expect(chimera.description == (try f.string("repr_after")))
        #expect(chimera.namedParameters().map(\.name) == strings(f, "named_parameters"))
        #expect(chimera.stateDict().keys == strings(f, "state_dict_keys"))
        #expect(chimera[0].namedParameters().map(\.name) == strings(try fixture.child("nest_mlp"), "named_parameters"))
        #expect(chimera[2].stateDict().keys == strings(try fixture.child("fixed_hidden_mlp"), "state_dict_keys"))

        let y = chimera(try f.base64Tensor("x"))
        expectClose(y, try f.base64Tensor("output").scalars, shape: [], "chimera(X)")
        #expect(y.gradFnName == "SumBackward0")
        y.backward()
        try expectGradients(chimera, f)
    }

    @Test func tiedNetForwardAndGradients() throws {
        let f = try fixture.child("tied")
        let shared = LazyLinear(8)
        let net = Sequential(LazyLinear(8), ReLU(), shared, ReLU(), shared, ReLU(), LazyLinear(1))
        #expect(net.description == (try f.string("repr_before")))
        net.loadStateDict(try stateDict(f, "state_dict"))
        #expect(net.description == (try f.string("repr_after")))
        // Tied parameters: listed once by named_parameters, under each name by state_dict.
        #expect(net.namedParameters().map(\.name) == strings(f, "named_parameters"))
        #expect(net.stateDict().keys == strings(f, "state_dict_keys"))
        #expect(net.namedModules().map(\.name) == strings(f, "named_modules"))
        #expect(net.children().map(\.typeName) == strings(f, "children"))
        var visited: [String] = []
        net.apply { visited.append($0.typeName) }
        #expect(visited == strings(f, "apply_order"))

        let y = net(try f.base64Tensor("x"))
        expectClose(y, try f.base64Tensor("output").scalars, shape: [2, 1], "output")
        y.sum().backward()
        try expectGradients(net, f)
        #expect(net[2].weight.grad === net[4].weight.grad)
    }

    @Test func sequentialKeysAndPrinting() throws {
        let f = try fixture.child("sequential")
        let net = Sequential(LazyLinear(8), ReLU(), LazyLinear(1))
        #expect(net.description == (try f.string("repr_before")))
        _ = net(Tensor.rand([2, 4]))
        #expect(net.description == (try f.string("repr_after")))
        #expect(net.namedParameters().map(\.name) == strings(f, "named_parameters"))
        #expect(net.stateDict().keys == strings(f, "state_dict_keys"))
        #expect(net[2].stateDict().keys == strings(f, "net2_keys"))
    }

    @Test func builtInModulesPrintAsPyTorch() throws {
        let modules: [Module] = [
            ReLU(), LeakyReLU(), LeakyReLU(negativeSlope: 0.2), Sigmoid(), Tanh(), GELU(), GELU(approximate: .tanh),
            SiLU(), Flatten(), Flatten(startDim: 0, endDim: 2), Identity(), Linear(3, 4, bias: false), Sequential(),
            LazyLinear(5, bias: false),
        ]
        #expect(modules.map(\.description) == strings(fixture, "reprs"))
    }
}

@Suite struct LinearOp {
    @Test func matchesMatmulPlusBiasForEveryInputRank() {
        let w = Tensor((0..<12).map { Float($0) / 7 - 0.8 }, shape: [3, 4])
        let b = Tensor([0.5, -1, 0.25])
        for shape: Shape in [[4], [2, 4], [2, 3, 4], [0, 4], [1, 2, 2, 4]] {
            let x = Tensor((0..<shape.numel).map { Float($0 % 5) - 2 }, shape: shape)
            let reference = x.matmul(w.t()) + b
            expectClose(linear(x, weight: w, bias: b), reference.scalars, shape: reference.shape.array, "\(shape)")
            expectClose(linear(x, weight: w), x.matmul(w.t()).scalars, "\(shape) without bias")
        }
    }

    @Test func gradientsAndPyTorchsBackwardNames() {
        let w = Tensor((0..<12).map { Float($0) / 7 - 0.8 }, shape: [3, 4])
        let b = Tensor([0.5, -1, 0.25])
        for shape: Shape in [[4], [2, 4], [2, 3, 4]] {
            let x = Tensor((0..<shape.numel).map { Float($0 % 5) / 3 - 0.6 }, shape: shape)
            gradcheck([x, w, b]) { linear($0[0], weight: $0[1], bias: $0[2]) }
            gradcheck([x, w]) { linear($0[0], weight: $0[1]) }
        }
        let x2 = Tensor.rand([2, 4]), x1 = Tensor.rand([4]), x3 = Tensor.rand([5, 2, 4])
        w.requiresGrad = true
        #expect(linear(x2, weight: w, bias: b).gradFnName == "AddmmBackward0")
        #expect(linear(x2, weight: w).gradFnName == "MmBackward0")
        #expect(linear(x1, weight: w, bias: b).gradFnName == "UnsafeViewBackward0")
        #expect(linear(x1, weight: w).gradFnName == "SqueezeBackward4")
        #expect(linear(x3, weight: w, bias: b).gradFnName == "UnsafeViewBackward0")
    }

    @Test func badShapesThrow() {
        let w = Tensor.zeros([3, 4])
        #expect(throws: SwishError.shape("mat1 and mat2 shapes cannot be multiplied (2x5 and 4x3)")) {
            try Tensor._linear(Tensor.zeros([2, 5]), w, nil)
        }
        #expect(throws: SwishError.self) { try Tensor._linear(Tensor.zeros([2, 4]), w, Tensor.zeros([4])) }
        #expect(throws: SwishError.self) { try Tensor._linear(Tensor.zeros([2, 4]), Tensor.zeros([12]), nil) }
        #expect(throws: SwishError.self) { try Tensor._linear(Tensor(1), w, nil) }
    }
}

@Suite struct ModuleMachinery {
    @Test func lazyLinearIsVisiblyUninitializedUntilItsFirstCall() throws {
        let lazy = LazyLinear(3)
        #expect(lazy.description == "LazyLinear(in_features=0, out_features=3, bias=True)")
        #expect(lazy.typeName == "LazyLinear" && !lazy.isInitialized)
        #expect((lazy as Module) is Linear, "apply functions test `m is Linear`")
        #expect(lazy.hasUninitializedParameters)
        #expect(throws: SwishError.self) { try lazy._ownTensor(named: "weight") }
        #expect(throws: SwishError.self) { try lazy._namedParameters() }
        #expect(throws: SwishError.self) { try lazy._stateDict() }
        #expect(lazy._namedParameterSlots().map(\.name) == ["weight", "bias"])
        #expect(throws: SwishError.self) { try lazy.forward(Tensor(1)) }
        #expect(!lazy.isInitialized, "a failed call initializes nothing")

        _ = lazy(Tensor.rand([2, 5]))
        #expect(lazy.typeName == "Linear" && lazy.inFeatures == 5 && lazy.weight.shape == [3, 5])
        #expect(lazy.weight.requiresGrad && lazy.weight.isLeaf)
        #expect(!lazy.hasUninitializedParameters)
        #expect(throws: SwishError.self) { try lazy.forward(Tensor.rand([2, 4])) }
    }

    @Test func linearDefaultsAndGenerators() {
        let a = Linear(4, 3, generator: Generator(seed: 9))
        let b = Linear(4, 3, generator: Generator(seed: 9))
        #expect(a.weight.scalars == b.weight.scalars && a.bias!.scalars == b.bias!.scalars)
        #expect(a.weight.scalars != Linear(4, 3, generator: Generator(seed: 10)).weight.scalars)
        let lazy = LazyLinear(3, generator: Generator(seed: 9))
        _ = lazy(Tensor.rand([1, 4]))
        #expect(lazy.weight.scalars == a.weight.scalars, "a lazy layer draws from its own generator when it materializes")
        let noBias = Linear(4, 3, bias: false)
        #expect(noBias.bias == nil && noBias.namedParameters().map(\.name) == ["weight"])
        #expect(noBias.description == "Linear(in_features=4, out_features=3, bias=False)")
        let empty = Linear(0, 2)
        #expect(empty.weight.shape == [2, 0] && empty.bias!.scalars == [0, 0])
        #expect(throws: SwishError.self) { try Linear._make(inFeatures: -1, outFeatures: 2, bias: true, generator: nil) }
    }

    @Test func parametersAreListedInPyTorchsOrder() {
        // Own parameters before the children's; stored-property children before registered ones.
        final class Block: Module {
            let first = Linear(2, 2)
            let missing: Linear? = nil
            lazy var later = ReLU()
            override init() {
                super.init()
                registerParameter("scale", Tensor.ones([2]))
                registerModule("extra", Linear(2, 1))
                registerBuffer("running", Tensor.zeros([2]))
                registerBuffer("scratch", Tensor.zeros([1]), persistent: false)
            }
        }
        let block = Block()
        #expect(block.namedParameters().map(\.name) == ["scale", "first.weight", "first.bias", "extra.weight", "extra.bias"])
        #expect(block.stateDict().keys == ["scale", "running", "first.weight", "first.bias", "extra.weight", "extra.bias"])
        #expect(block.namedBuffers().map(\.name) == ["running", "scratch"])
        #expect(block.namedChildren().map(\.name) == ["first", "extra"])
        _ = block.later
        #expect(block.namedChildren().map(\.name) == ["first", "later", "extra"])
        #expect(block.namedModules(prefix: "block").map(\.name) == ["block", "block.first", "block.later", "block.extra"])
        #expect(block.description == """
            Block(
              (first): Linear(in_features=2, out_features=2, bias=True)
              (later): ReLU()
              (extra): Linear(in_features=2, out_features=1, bias=True)
            )
            """)
    }

    @Test func registrationRejectsBadNames() {
        let m = Sequential(Linear(2, 2))
        let w = Tensor.zeros([2])
        #expect(throws: SwishError.invalidArgument("attribute '0' already exists in Sequential")) {
            try m._registerParameter("0", w)
        }
        try? m._registerParameter("w", w)
        #expect(w.requiresGrad)
        #expect(throws: SwishError.self) { try m._registerBuffer("w", w, persistent: true) }
        #expect(throws: SwishError.self) { try m._registerModule("w", ReLU()) }
        #expect(throws: SwishError.self) { try m._registerParameter("a.b", Tensor.zeros([1])) }
        #expect(throws: SwishError.self) { try m._registerParameter("", Tensor.zeros([1])) }
        #expect(throws: SwishError.self) { try m._registerParameter("v", w * 2) }
        #expect(throws: SwishError.self) { try m._registerParameter("v", Tensor.zeros([1]) > Float(0)) }
        #expect(throws: SwishError.self) { try m._registerModule("self", m) }
        let outer = Sequential(m)
        #expect(throws: SwishError.self) { try m._append(outer) }
        #expect(m.count == 1 && m.namedParameters().map(\.name) == ["w", "0.weight", "0.bias"])
    }

    @Test func lookupByIndexPathAndName() throws {
        let chimera = Sequential(SeedNets.NestMLP(), LazyLinear(20), SeedNets.FixedHiddenMLP())
        _ = chimera(Tensor.rand([2, 20]))
        #expect(chimera[-1] === chimera[2])
        #expect(chimera.submodule("0.net.2") === chimera[0].submodule("net")[2])
        #expect(chimera.submodule("") === chimera)
        #expect(chimera.parameter("0.net.2.bias") === chimera.submodule("0.net.2").bias)
        #expect(chimera.buffer("2.rand_weight").shape == [20, 20])
        #expect(throws: SwishError.self) { try chimera._child(at: 3) }
        #expect(throws: SwishError.self) { try chimera._child(at: -4) }
        #expect(throws: SwishError.self) { try chimera._submodule("0.nett") }
        #expect(throws: SwishError.self) { try chimera._parameter("0.net.1.weight") }
        #expect(throws: SwishError.self) { try chimera._buffer("2.linear.weight") }
        #expect(throws: SwishError.self) { try chimera[1]._ownTensor(named: "wieght") }
    }

    @Test func assigningAParameterTiesIt() {
        let a = Linear(3, 3), b = Linear(3, 3)
        b.weight = a.weight
        let net = Sequential(a, ReLU(), b)
        #expect(net.namedParameters().map(\.name) == ["0.weight", "0.bias", "2.bias"])
        #expect(net.stateDict().keys == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(throws: SwishError.self) { try b._setOwnTensor(named: "weight", a.weight * 2) }
    }

    @Test func loadStateDictChangesNothingWhenItFails() throws {
        let net = Sequential(Linear(4, 8), ReLU(), Linear(8, 1))
        let before = net.parameters().map(\.scalars)
        var sd = StateDict(net.stateDict().map { ($0.key, $0.value + 1) })
        sd["2.bias"] = nil
        #expect(throws: SwishError.invalidArgument(
            "Error(s) in loading state_dict for Sequential:\n\tMissing key(s) in state_dict: \"2.bias\". ")
        ) { try net._loadStateDict(sd, strict: true) }
        sd["2.bias"] = Tensor.zeros([3])
        sd["extra"] = Tensor.zeros([1])
        #expect(throws: SwishError.shape(
            "Error(s) in loading state_dict for Sequential:\n\tUnexpected key(s) in state_dict: \"extra\". \n\tsize mismatch for 2.bias: copying a param with shape torch.Size([3]) from checkpoint, the shape in current model is torch.Size([1])."
        )) { try net._loadStateDict(sd, strict: true) }
        #expect(throws: SwishError.self) { try net._loadStateDict(sd, strict: false) }
        #expect(net.parameters().map(\.scalars) == before)

        sd["2.bias"] = nil
        let keys = net.loadStateDict(sd, strict: false)
        #expect(keys == IncompatibleKeys(missingKeys: ["2.bias"], unexpectedKeys: ["extra"]))
        #expect(net.parameters()[0].scalars == before[0].map { $0 + 1 })
        #expect(net.parameters()[3].scalars == before[3])

        // The module keeps its tensors; loading its own state dict (same memory) is a no-op.
        let w = net[0].weight
        let values = w.scalars
        net.loadStateDict(net.stateDict())
        #expect(net[0].weight === w && w.scalars == values)
        // A lazy layer's uninitialized parameters only take shapes that fit.
        let lazy = LazyLinear(2)
        #expect(throws: SwishError.self) {
            try lazy._loadStateDict(StateDict([("weight", Tensor.zeros([3, 4])), ("bias", Tensor.zeros([2]))]), strict: true)
        }
        #expect(!lazy.isInitialized)
    }

    @Test func modesGradientsAndStateDictValues() {
        let net = Sequential(Linear(2, 2), Sequential(ReLU(), Linear(2, 1)))
        #expect(net.modules().allSatisfy { $0.training })
        net.eval()
        #expect(net.modules().allSatisfy { !$0.training })
        net.train()
        #expect(net.modules().allSatisfy { $0.training })

        net(Tensor.ones([3, 2])).sum().backward()
        #expect(net.parameters().allSatisfy { $0.grad != nil })
        net.zeroGrad()
        #expect(net.parameters().allSatisfy { $0.grad == nil })

        // A state dict's tensors share memory with the parameters and carry no graph.
        let sd = net.stateDict()
        #expect(!sd["0.weight"]!.requiresGrad && sd["0.weight"]!.sharesMemory(with: net[0].weight))
        var copy = sd
        copy["0.weight"] = nil
        #expect(sd.count == 4 && copy.count == 3 && copy.keys == ["0.bias", "1.1.weight", "1.1.bias"])
        #expect(copy[1].key == "1.1.weight")
    }

    @Test func moduleWithoutForwardThrows() {
        #expect(throws: SwishError.state("Module [Module] is missing the required \"forward\" function")) {
            try Module().forward(Tensor.zeros([1]))
        }
    }

    @Test func activationModulesForwardTheirOps() {
        let x = Tensor([-2, -0.5, 0, 1.5], shape: [2, 2])
        #expect(ReLU()(x).scalars == x.relu().scalars)
        #expect(LeakyReLU(negativeSlope: 0.2)(x).scalars == x.leakyRelu(negativeSlope: 0.2).scalars)
        #expect(Sigmoid()(x).scalars == x.sigmoid().scalars)
        #expect(Tanh()(x).scalars == x.tanh().scalars)
        #expect(GELU(approximate: .tanh)(x).scalars == x.gelu(approximate: .tanh).scalars)
        #expect(SiLU()(x).scalars == x.silu().scalars)
        #expect(Flatten(startDim: 0)(x).shape == [4])
        #expect(Identity()(x) === x)
        #expect(Sequential()(x) === x)
    }
}
