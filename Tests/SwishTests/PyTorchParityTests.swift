import Testing

@testable import Swish

// Values and gradients of the core ops against PyTorch (Fixtures/core.json, written by
// Tests/generate/gen_core.py in float32 with torch).

/// Runs the fixture op `op` (the names gen_core.py's OPS table uses) through the throwing core, so a
/// failing case is reported instead of trapping the test process.
func applyCoreOp(_ op: String, _ x: [Tensor], _ args: [String: Any]) throws -> Tensor {
    func int(_ k: String) throws -> Int {
        guard let v = args[k] as? Int else { throw FixtureError("op \(op): no int argument '\(k)'") }
        return v
    }
    func float(_ k: String) throws -> Float {
        guard let v = args[k] as? Double else { throw FixtureError("op \(op): no number argument '\(k)'") }
        return Float(v)
    }
    func optionalFloat(_ k: String) -> Float? { (args[k] as? Double).map { Float($0) } }
    func keepdim() -> Bool { args["keepdim"] as? Bool ?? false }
    func ints(_ k: String) throws -> [Int] {
        guard let v = args[k] as? [Int] else { throw FixtureError("op \(op): no int list '\(k)'") }
        return v
    }
    switch op {
    case "identity": return x[0]
    case "add": return try Tensor._add(x[0], x[1])
    case "sub": return try Tensor._sub(x[0], x[1])
    case "mul": return try Tensor._mul(x[0], x[1])
    case "div": return try Tensor._div(x[0], x[1])
    // The scalar forms go through the Swift operators (`s + x` and `x + s` are distinct overloads).
    case "add_scalar": return x[0] + (try float("s"))
    case "radd_scalar": return (try float("s")) + x[0]
    case "sub_scalar": return x[0] - (try float("s"))
    case "rsub_scalar": return (try float("s")) - x[0]
    case "mul_scalar": return x[0] * (try float("s"))
    case "rmul_scalar": return (try float("s")) * x[0]
    case "div_scalar": return x[0] / (try float("s"))
    case "rdiv_scalar": return (try float("s")) / x[0]
    case "neg": return try Tensor._neg(x[0])
    case "matmul": return try Tensor._matmul(x[0], x[1])
    case "transpose": return try Tensor._transpose(x[0], try int("d0"), try int("d1"))
    case "t": return try Tensor._t(x[0])
    case "reshape", "view": return try Tensor._reshape(x[0], try ints("shape"))
    case "unsqueeze": return try Tensor._unsqueeze(x[0], try int("dim"))
    case "squeeze": return try Tensor._squeeze(x[0], args["dim"] as? Int)
    case "flatten":
        return try Tensor._flatten(x[0], start: args["start"] as? Int ?? 0, end: args["end"] as? Int ?? -1)
    case "select": return try Tensor._select(x[0], dim: try int("dim"), index: try int("index"))
    case "index":
        return try ints("indices").reduce(x[0]) { t, i in try Tensor._select(t, dim: 0, index: i) }
    case "sum":
        return args["dim"] == nil
            ? try Tensor._sum(x[0]) : try Tensor._sum(x[0], dim: try int("dim"), keepdim: keepdim())
    case "mean":
        return args["dim"] == nil
            ? try Tensor._mean(x[0]) : try Tensor._mean(x[0], dim: try int("dim"), keepdim: keepdim())
    case "max": return try Tensor._max(x[0])
    case "max_dim": return try Tensor._max(x[0], dim: try int("dim"), keepdim: keepdim()).values
    case "max_dim_indices": return try Tensor._max(x[0], dim: try int("dim"), keepdim: keepdim()).indices
    case "argmax":
        return args["dim"] == nil
            ? try Tensor._argmax(x[0]) : try Tensor._argmax(x[0], dim: try int("dim"), keepdim: keepdim())
    case "abs": return try Tensor._abs(x[0])
    case "exp": return try Tensor._exp(x[0])
    case "log": return try Tensor._log(x[0])
    case "sqrt": return try Tensor._sqrt(x[0])
    case "pow": return try Tensor._pow(x[0], try float("p"))
    case "square": return try Tensor._square(x[0])
    case "clamp": return try Tensor._clamp(x[0], min: optionalFloat("min"), max: optionalFloat("max"))
    case "relu": return try Tensor._relu(x[0])
    case "sigmoid": return try Tensor._sigmoid(x[0])
    case "tanh": return try Tensor._tanh(x[0])
    case "leaky_relu": return try Tensor._leakyRelu(x[0], negativeSlope: optionalFloat("slope") ?? 0.01)
    case "gelu":
        return try Tensor._gelu(x[0], approximate: args["approximate"] as? String == "tanh" ? .tanh : .none)
    case "silu": return try Tensor._silu(x[0])
    case "softmax": return try Tensor._softmax(x[0], dim: try int("dim"))
    case "log_softmax": return try Tensor._logSoftmax(x[0], dim: try int("dim"))
    case "eq": return try Tensor._compare(x[0], x[1], .eq)
    case "ne": return try Tensor._compare(x[0], x[1], .ne)
    case "gt": return try Tensor._compare(x[0], x[1], .gt)
    case "lt": return try Tensor._compare(x[0], x[1], .lt)
    case "ge": return try Tensor._compare(x[0], x[1], .ge)
    case "le": return try Tensor._compare(x[0], x[1], .le)
    case "gt_scalar": return try Tensor._compare(x[0], try float("s"), .gt)
    case "eq_scalar": return try Tensor._compare(x[0], try float("s"), .eq)
    case "gt_transposed": return try Tensor._t(try Tensor._compare(x[0], x[1], .gt))
    case "arange_gt":
        let r = try Tensor._arange(start: 0, end: try float("end"), step: 1)
        return try Tensor._compare(try Tensor._reshape(r, try ints("shape")), try float("s"), .gt)
    case "arange":
        let r = try Tensor._arange(start: 0, end: try float("end"), step: optionalFloat("step") ?? 1)
        return try Tensor._reshape(try Tensor._mul(r, optionalFloat("scale") ?? 1), try ints("shape"))
    default: throw FixtureError("unknown op \(op)")
    }
}

/// The upstream gradient gen_core.py's `upstream` uses: fixed, different for every output element.
func coreUpstream(_ shape: Shape) -> Tensor {
    Tensor((0..<shape.numel).map { Float(Double(($0 * 7919) % 13) / 13.0 - 0.4) }, shape: shape)
}

/// One case of the fixture: its name and the record, for a readable test argument.
struct CoreCase: CustomTestStringConvertible, Sendable {
    let name: String
    let index: Int
    var testDescription: String { name }
}

// Read once; immutable after that, so sharing it between parallel tests is safe.
nonisolated(unsafe) let coreFixture: Fixture? = try? Fixture("core")

func coreCases(_ section: String) -> [CoreCase] {
    guard let list = coreFixture?[section] as? [[String: Any]] else { return [] }
    return list.enumerated().map { CoreCase(name: $0.element["name"] as? String ?? "#\($0.offset)", index: $0.offset) }
}

func coreRecord(_ section: String, _ c: CoreCase) throws -> Fixture {
    guard let list = coreFixture?[section] as? [[String: Any]] else { throw FixtureError("core.json: no \(section)") }
    return Fixture(object: list[c.index])
}

func coreInputs(_ rec: Fixture, requiresGrad: Bool) throws -> [Tensor] {
    guard let list = rec["inputs"] as? [[String: Any]] else { throw FixtureError("case without inputs") }
    return try list.map { try Fixture.tensor(from: $0).requiresGrad_(requiresGrad) }
}

@Suite struct PyTorchParityTests {
    @Test func fixtureIsPresent() throws {
        let f = try Fixture("core")
        #expect(coreCases("ops").count > 150)
        #expect(coreCases("print").count > 50)
        #expect((f["arange"] as? [Any])?.count ?? 0 > 5)
    }

    /// Output and input gradients of each op within 1e-5 (absolute, plus 1e-5 relative for large values).
    @Test(arguments: coreCases("ops"))
    func op(_ c: CoreCase) throws {
        let rec = try coreRecord("ops", c)
        let op = try rec.string("op")
        let args = rec["args"] as? [String: Any] ?? [:]
        let wantsGrad = rec["grads"] != nil
        let inputs = try coreInputs(rec, requiresGrad: wantsGrad)
        let out = try applyCoreOp(op, inputs, args)
        let expected = try rec.tensor("out")
        let dtype = try rec.string("dtype")
        #expect(out.dtype.description == "torch." + dtype, "\(c.name): dtype")
        expectClose(out, expected.scalars, shape: expected.shape.array, c.name + " output")
        guard wantsGrad, let grads = rec["grads"] as? [[String: Any]] else { return }
        // Backward names where Swish records the op PyTorch records. PyTorch builds `s / x` as
        // reciprocal * s and batched or 1-d-by-2-d matmul from views, so those names differ by design.
        if let name = rec["grad_fn"] as? String,
            op != "rdiv_scalar", op != "matmul" || ["MmBackward0", "DotBackward0", "MvBackward0"].contains(name)
        {
            #expect(out.gradFnName == name, "\(c.name): grad_fn")
        }
        try out.backwardChecked(gradient: coreUpstream(out.shape))
        for (k, g) in grads.enumerated() {
            let want = try Fixture.tensor(from: g)
            let got = inputs[k].grad ?? Tensor.zeros(inputs[k].shape)
            expectClose(got, want.scalars, shape: want.shape.array, "\(c.name) grad of input \(k)")
        }
    }

    /// torch.arange's length and values for fractional steps (arguments rounded to float32 as Swift passes them).
    @Test func arangeMatchesTorch() throws {
        let list = try #require(coreFixture?["arange"] as? [[String: Any]])
        for o in list {
            let rec = Fixture(object: o)
            let start = try #require(o["start"] as? Double), end = try #require(o["end"] as? Double)
            let step = try #require(o["step"] as? Double)
            let want = try rec.tensor("out")
            let got = try Tensor._arange(start: Float(start), end: Float(end), step: Float(step))
            expectClose(got, want.scalars, shape: want.shape.array, "arange(\(start), \(end), \(step))")
        }
    }
}
