import Testing

@testable import Swish

// Losses against PyTorch (Fixtures/training.json, written by Tests/generate/gen_training.py): the value
// for every reduction and the gradients of input and target ('none' through fixed upstream weights).

private let reductions: [(String, Reduction)] = [("mean", .mean), ("sum", .sum), ("none", .none)]

@Suite struct LossParityTests {
    let fixture: Fixture
    init() throws { fixture = try Fixture("training").child("losses") }

    /// Runs `loss` for each reduction on the case's tensors and compares value and gradients.
    private func check(
        _ caseName: String, _ c: Fixture, gradNames: [String], atol: Float = 1e-5,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ loss: ([String: Tensor], Reduction) -> Tensor
    ) throws {
        for (rname, r) in reductions {
            var inputs: [String: Tensor] = [:]
            for key in c.root.keys where !key.hasPrefix("upstream") && !["mean", "sum", "none"].contains(key) {
                guard let o = c.root[key] as? [String: Any], o["shape"] != nil else { continue }
                let t = try Fixture.tensor(from: o)
                inputs[key] = gradNames.contains(key) ? t.requiresGrad_() : t
            }
            let y = loss(inputs, r)
            let expected = try c.child(rname)
            expectClose(y, try expected.floats("y"), atol: atol, rtol: 1e-5, "\(caseName) \(rname)",
                sourceLocation: sourceLocation)
            let seed = r == .none ? try c.tensor("upstream_none") : Tensor(1)
            (y * seed).sum().backward()
            for name in gradNames {
                guard let g = inputs[name]?.grad else {
                    Issue.record("\(caseName) \(rname): no gradient for \(name)", sourceLocation: sourceLocation)
                    continue
                }
                expectClose(g, try expected.floats("grad_\(name)"), atol: atol, rtol: 1e-5,
                    "\(caseName) \(rname) d/d\(name)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func mseL1Huber() throws {
        try check("mse", fixture.child("mse"), gradNames: ["input", "target"]) { t, r in
            mseLoss(t["input"]!, t["target"]!, reduction: r)
        }
        try check("l1", fixture.child("l1"), gradNames: ["input", "target"]) { t, r in
            l1Loss(t["input"]!, t["target"]!, reduction: r)
        }
        try check("huber", fixture.child("huber"), gradNames: ["input", "target"]) { t, r in
            huberLoss(t["input"]!, t["target"]!, reduction: r)
        }
        try check("huber 0.5", fixture.child("huber_delta_0.5"), gradNames: ["input", "target"]) { t, r in
            huberLoss(t["input"]!, t["target"]!, reduction: r, delta: 0.5)
        }
    }

    @Test func binaryCrossEntropyWithLogitsAtExtremeLogits() throws {
        try check("bce", fixture.child("bce_logits"), gradNames: ["input", "target"]) { t, r in
            binaryCrossEntropyWithLogits(t["input"]!, t["target"]!, reduction: r)
        }
        try check("bce pos_weight", fixture.child("bce_logits_pos_weight"), gradNames: ["input", "target"]) { t, r in
            binaryCrossEntropyWithLogits(t["input"]!, t["target"]!, posWeight: t["pos_weight"]!, reduction: r)
        }
    }

    @Test(arguments: [
        "plain", "smoothing", "weight", "weight_smoothing", "ignore", "ignore_custom_weight_smoothing", "one_sample",
        "spatial", "probabilities", "probabilities_weight_smoothing",
    ])
    func crossEntropy(caseName: String) throws {
        let c = try fixture.child("cross_entropy").child(caseName)
        let smoothing = (c["label_smoothing"] as? Double).map { Float($0) } ?? 0
        let ignore = (c["ignore_index"] as? Int) ?? -100
        try check(caseName, c, gradNames: ["input"]) { t, r in
            var target = t["target"]!
            if !caseName.hasPrefix("probabilities") {
                target = Tensor(indices: target.scalars.map { Int($0) }, shape: target.shape)
            }
            return Swish.crossEntropy(
                t["input"]!, target, weight: t["weight"], ignoreIndex: ignore, reduction: r, labelSmoothing: smoothing)
        }
    }
}

@Suite struct LossBehaviourTests {
    @Test func mismatchedShapesAndBadTargetsThrowWithoutChangingAnything() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3], requiresGrad: true)
        #expect(throws: SwishError.self) { try Tensor._mseLoss(x, Tensor([1, 2, 3])) }
        #expect(throws: SwishError.self) { try Tensor._binaryCrossEntropyWithLogits(x, Tensor.zeros([3, 2])) }
        // Out-of-range, negative (not ignore_index) and float class indices.
        #expect(throws: SwishError.invalidArgument(
            "cross_entropy: Target 3 is out of bounds (position 1; classes are 0..<3, ignore_index is -100)")
        ) { try Tensor._crossEntropy(x, Tensor(indices: [0, 3])) }
        #expect(throws: SwishError.self) { try Tensor._crossEntropy(x, Tensor(indices: [-1, 0])) }
        #expect(throws: SwishError.self) { try Tensor._crossEntropy(x, Tensor([0, 1])) }
        // An int64 tensor whose storage was overwritten with a huge or fractional value (possible from C
        // through swish_tensor_data) is refused, not converted with a trap.
        for bad: Float in [1e30, .nan, 0.5] {
            let y = Tensor(indices: [0, 1])
            y.withUnsafeMutableBufferPointer { $0[1] = bad }
            #expect(throws: SwishError.self) { try Tensor._crossEntropy(x, y) }
        }
        #expect(throws: SwishError.self) { try Tensor._crossEntropy(x, Tensor(indices: [0, 1, 2])) }
        #expect(throws: SwishError.self) { try Tensor._crossEntropy(x, Tensor(indices: [0, 1]), labelSmoothing: 1.5) }
        #expect(throws: SwishError.self) { try Tensor._huberLoss(x, x.detach(), delta: 0) }
        #expect(x.grad == nil && x.scalars == [1, 2, 3, 4, 5, 6])
    }

    @Test func meanOverOnlyIgnoredTargetsIsNaNAsInPyTorch() {
        let x = Tensor([1, 2, 3, 4], shape: [2, 2])
        #expect(crossEntropy(x, Tensor(indices: [-100, -100])).item().isNaN)
        #expect(crossEntropy(x, Tensor(indices: [-100, -100]), reduction: .sum).item() == 0)
    }

    @Test func int64TensorsHoldOnlyExactIntegers() {
        #expect(throws: SwishError.self) {
            try [Int64(1 << 25)].withUnsafeBufferPointer { try Tensor._fromInt64($0, shape: [1]) }
        }
        let y = Tensor(indices: [3, -2, 16_777_216])
        #expect(y.dtype == .int64 && y.scalars == [3, -2, 16_777_216])
    }

    @Test func lossGradientsAgreeWithFiniteDifferences() {
        let target = Tensor([0.2, -0.1, 0.7, 0.0, 1.0, 0.4], shape: [2, 3])
        gradcheck([Tensor([0.5, -0.3, 1.2, 0.1, 2.0, -1.0], shape: [2, 3])]) { x in
            huberLoss(x[0], target, reduction: .sum, delta: 0.8) + binaryCrossEntropyWithLogits(x[0], target)
        }
        gradcheck([Tensor([0.5, -0.3, 1.2, 0.1, 2.0, -1.0], shape: [2, 3])]) { x in
            crossEntropy(x[0], Tensor(indices: [2, 0]), weight: Tensor([1, 2, 0.5]), labelSmoothing: 0.2)
        }
        // Probability targets get a gradient too (PyTorch's composite formula is differentiable in both).
        gradcheck([Tensor([0.5, -0.3, 1.2, 0.1, 2.0, -1.0], shape: [2, 3]), Tensor([0.2, 0.3, 0.5, 0.6, 0.1, 0.3], shape: [2, 3])]) {
            t in crossEntropy(t[0], t[1], weight: Tensor([1, 2, 0.5]), reduction: .sum, labelSmoothing: 0.1)
        }
    }
}
