import Testing

@testable import Swish

// Finite-difference gradient checks (TestSupport.gradcheck) for every differentiable op: broadcasting,
// 0-d and empty operands included. Inputs are deterministic and kept away from kinks (relu and abs at 0,
// clamp bounds, max ties) so central differences with eps = 0.01 are valid.

/// Values uniform in [lo, hi) from a seeded generator.
func uniform(_ shape: Shape, _ lo: Float = -2, _ hi: Float = 2, seed: UInt64 = 1) -> Tensor {
    Tensor.rand(shape, generator: Generator(seed: seed)) * (hi - lo) + lo
}

/// Values with |x| in [0.2, 2), signs alternating, so no element sits near 0.
func awayFromZero(_ shape: Shape, seed: UInt64 = 2) -> Tensor {
    let u = Tensor.rand(shape, generator: Generator(seed: seed)).scalars
    return Tensor(u.enumerated().map { i, v in (i % 2 == 0 ? 1 : -1) * (0.2 + 1.8 * v) }, shape: shape)
}

/// Distinct values 0.1 apart in a shuffled order, so perturbing one by eps never changes which is largest.
func distinct(_ shape: Shape, seed: UInt64 = 3) -> Tensor {
    let p = Generator(seed: seed).permutation(shape.numel)
    return Tensor(p.map { Float($0) * 0.1 - 1 }, shape: shape)
}

/// gradcheck, then also the gradient's shape: every input gets a gradient of its own shape (empty ones too).
func check(
    _ inputs: [Tensor], eps: Float = 1e-2, atol: Float = 1e-3, rtol: Float = 5e-3,
    sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) -> Tensor
) {
    gradcheck(inputs, eps: eps, atol: atol, rtol: rtol, sourceLocation: sourceLocation, f)
    for (k, x) in inputs.enumerated() {
        #expect(x.grad?.shape == x.shape, "input \(k): gradient shape", sourceLocation: sourceLocation)
    }
}

@Suite struct OpsGradcheckTests {
    // MARK: Arithmetic

    static let binaryShapes: [([Int], [Int])] = [
        ([2, 3], [2, 3]), ([3, 1], [1, 4]), ([2, 3], [3]), ([], [2, 3]), ([2, 3], []), ([], []),
        ([2, 1, 3], [4, 1]), ([1], [2, 2]), ([0, 3], [3]), ([0, 3], [1, 3]), ([1], [0]), ([2, 0], [2, 1]),
    ]

    @Test(arguments: binaryShapes)
    func addSubMulDiv(_ shapes: ([Int], [Int])) {
        let (sa, sb) = (Shape(shapes.0), Shape(shapes.1))
        check([uniform(sa, seed: 4), uniform(sb, seed: 5)]) { $0[0] + $0[1] }
        check([uniform(sa, seed: 4), uniform(sb, seed: 5)]) { $0[0] - $0[1] }
        check([uniform(sa, seed: 4), uniform(sb, seed: 5)]) { $0[0] * $0[1] }
        check([uniform(sa, seed: 4), uniform(sb, 0.5, 2, seed: 5)]) { $0[0] / $0[1] }
        check([uniform(sa, 0.5, 2, seed: 4), uniform(sb, seed: 5)]) { $0[1] / $0[0] }
    }

    /// `x + s` with a Float variable takes the scalar overloads; with a literal Swift builds a 0-d tensor and
    /// takes the tensor ones. Both are checked.
    @Test(arguments: [[2, 3], [], [0, 3]] as [[Int]])
    func scalarForms(_ dims: [Int]) {
        let sh = Shape(dims)
        let s: Float = 1.5, m: Float = -2, d: Float = 4, n: Float = 3
        check([uniform(sh)]) { $0[0] + s }
        check([uniform(sh)]) { s + $0[0] }
        check([uniform(sh)]) { $0[0] - s }
        check([uniform(sh)]) { s - $0[0] }
        check([uniform(sh)]) { $0[0] * m }
        check([uniform(sh)]) { m * $0[0] }
        check([uniform(sh)]) { $0[0] / d }
        check([uniform(sh, 0.5, 2)]) { n / $0[0] }
        check([uniform(sh, -2, -0.5)]) { -n / $0[0] }
        check([uniform(sh)]) { $0[0] + 1.5 }
        check([uniform(sh)]) { 1.5 - $0[0] }
        check([uniform(sh)]) { -2 * $0[0] }
        check([uniform(sh)]) { $0[0] / 4 }
        check([uniform(sh, 0.5, 2)]) { 3 / $0[0] }
        check([uniform(sh)]) { -$0[0] }
    }

    /// The same tensor on both sides: the gradients of both uses add up.
    @Test func sameTensorTwice() {
        check([uniform([2, 3])]) { $0[0] * $0[0] }
        check([uniform([2, 3])]) { $0[0] + $0[0] }
        check([uniform([2, 3])]) { $0[0] - $0[0] * 3 }
        check([uniform([3], 0.5, 2)]) { $0[0] / $0[0].exp() }
    }

    // MARK: matmul

    static let matmulShapes: [([Int], [Int])] = [
        ([3], [3]), ([2, 3], [3]), ([3], [3, 4]), ([2, 3], [3, 4]), ([2, 2, 3], [2, 3, 4]), ([2, 2, 3], [3, 4]),
        ([3, 4], [2, 4, 5]), ([2, 1, 3, 4], [3, 4, 5]), ([3], [2, 3, 4]), ([2, 3, 4], [4]), ([1, 2, 3], [2, 3, 2]),
        ([2, 0], [0, 3]), ([0, 3], [3, 2]), ([2, 3, 0], [0, 4]), ([0, 2, 3], [3, 4]), ([2, 3], [0, 3, 1]), ([0], [0]),
    ]

    @Test(arguments: matmulShapes)
    func matmul(_ shapes: ([Int], [Int])) {
        check([uniform(Shape(shapes.0), seed: 6), uniform(Shape(shapes.1), seed: 7)]) { $0[0].matmul($0[1]) }
    }

    @Test func matmulWithOneInputConstant() {
        let w = uniform([3, 2], seed: 8)
        check([uniform([4, 3])]) { $0[0].matmul(w) }
        let x = uniform([2, 4, 3], seed: 9)
        check([uniform([3, 2])]) { x.matmul($0[0]) }
    }

    // MARK: Shaping

    @Test func transposeAndT() {
        check([uniform([2, 3])]) { $0[0].transpose(0, 1) }
        check([uniform([2, 3, 4])]) { $0[0].transpose(0, 2) }
        check([uniform([2, 3, 4])]) { $0[0].transpose(1, 2) }
        check([uniform([2, 3, 4])]) { $0[0].transpose(-1, -3) }
        check([uniform([2, 3, 2, 3])]) { $0[0].transpose(1, 3) }
        check([uniform([2, 3, 2, 3])]) { $0[0].transpose(0, 2) }
        check([uniform([2, 3, 2, 3])]) { $0[0].transpose(2, 2) }
        check([uniform([0, 3, 2])]) { $0[0].transpose(0, 2) }
        check([uniform([2, 3])]) { $0[0].t() }
        check([uniform([3])]) { $0[0].t() }
        check([uniform([])]) { $0[0].t() }
    }

    @Test func reshapeAndViews() {
        check([uniform([2, 3, 4])]) { $0[0].reshape([4, -1]) }
        check([uniform([2, 3, 4])]) { $0[0].reshape([-1]) }
        check([uniform([2, 3, 4])]) { $0[0].view([2, -1, 2]) }
        check([uniform([0, 3])]) { $0[0].reshape([-1, 3]) }
        check([uniform([])]) { $0[0].reshape([1, 1]) }
        check([uniform([2, 3])]) { $0[0].unsqueeze(0) }
        check([uniform([2, 3])]) { $0[0].unsqueeze(-1) }
        check([uniform([2, 3])]) { $0[0].unsqueeze(1) }
        check([uniform([2, 1, 3])]) { $0[0].squeeze(1) }
        check([uniform([2, 1, 3])]) { $0[0].squeeze(-2) }
        check([uniform([2, 1, 3])]) { $0[0].squeeze(0) }
        check([uniform([1, 2, 1, 3])]) { $0[0].squeeze() }
        check([uniform([2, 3, 4])]) { $0[0].flatten() }
        check([uniform([2, 3, 4, 2])]) { $0[0].flatten(startDim: 1, endDim: 2) }
        check([uniform([])]) { $0[0].flatten() }
    }

    @Test func selectAndIndex() {
        check([uniform([3, 4])]) { $0[0].select(dim: 0, index: 1) }
        check([uniform([3, 4])]) { $0[0].select(dim: 1, index: -1) }
        check([uniform([2, 3, 4])]) { $0[0].select(dim: -2, index: 2) }
        check([uniform([2, 3, 4])]) { $0[0].select(dim: 2, index: 0) }
        check([uniform([3, 0])]) { $0[0].select(dim: 0, index: 2) }
        check([uniform([3, 4, 2])]) { $0[0][2, 1] }
        check([uniform([3, 4])]) { $0[0][-1] }
        // One tensor selected twice: both rows' gradients arrive.
        check([uniform([3, 4])]) { $0[0][0] * $0[0][2] }
    }

    // MARK: Reductions

    @Test func sumAndMean() {
        let x = uniform([2, 3, 4])
        check([x]) { $0[0].sum() }
        check([x]) { $0[0].mean() }
        for d in [0, 1, 2, -1, -3] {
            for k in [false, true] {
                check([x]) { $0[0].sum(dim: d, keepdim: k) }
                check([x]) { $0[0].mean(dim: d, keepdim: k) }
            }
        }
        check([uniform([])]) { $0[0].sum() }
        check([uniform([])]) { $0[0].mean(dim: 0) }
        check([uniform([])]) { $0[0].sum(dim: -1, keepdim: true) }
        check([uniform([0, 3])]) { $0[0].sum() }
        check([uniform([0, 3])]) { $0[0].sum(dim: 0) }
        check([uniform([0, 3])]) { $0[0].sum(dim: 1, keepdim: true) }
        check([uniform([0, 3])]) { $0[0].mean(dim: 1) }
    }

    @Test func max() {
        let x = distinct([2, 3, 4])
        check([x]) { $0[0].max() }
        for d in [0, 1, 2, -1] {
            for k in [false, true] {
                check([x]) { $0[0].max(dim: d, keepdim: k).values }
            }
        }
        check([distinct([])]) { $0[0].max() }
        check([distinct([])]) { $0[0].max(dim: 0).values }
        check([distinct([0, 3])]) { $0[0].max(dim: 1).values }
    }

    // MARK: Elementwise

    @Test func elementwise() {
        check([awayFromZero([2, 3])]) { $0[0].abs() }
        check([uniform([2, 3])]) { $0[0].exp() }
        check([uniform([2, 3], 0.5, 3)]) { $0[0].log() }
        check([uniform([2, 3], 0.5, 3)]) { $0[0].sqrt() }
        check([uniform([2, 3])]) { $0[0].square() }
        check([awayFromZero([2, 3])]) { $0[0].relu() }
        for p: Float in [0, 1, 2, 0.5, -1, 3, -2.5, 1.5] {
            check([uniform([2, 3], 0.5, 2)]) { $0[0].pow(p) }
        }
        for p: Float in [0, 1, 2, 3, -1] {
            check([awayFromZero([2, 3])]) { $0[0].pow(p) }
        }
        for x in [uniform([]), uniform([0, 3])] {
            check([x]) { $0[0].abs() }
            check([x]) { $0[0].exp() }
            check([x]) { ($0[0] + 3).log() }
            check([x]) { ($0[0] + 3).sqrt() }
            check([x]) { $0[0].pow(3) }
            check([x]) { $0[0].square() }
            check([x]) { $0[0].relu() }
            check([x]) { $0[0].clamp(min: -0.5, max: 0.5) }
        }
    }

    @Test func clamp() {
        // Values at least 0.1 from the bounds -0.5 and 0.5.
        let x = Tensor([-1.7, -0.9, -0.3, -0.1, 0.2, 0.4, 0.8, 1.6, -0.65, 0.35, 0.0, 1.1], shape: [3, 4])
        check([x]) { $0[0].clamp(min: -0.5) }
        check([x]) { $0[0].clamp(max: 0.5) }
        check([x]) { $0[0].clamp(min: -0.5, max: 0.5) }
        check([x]) { $0[0].clamp(min: 0.5, max: -0.5) }
    }

    // MARK: Activations

    @Test func activations() {
        for x in [uniform([3, 4], -4, 4), uniform([]), uniform([0, 3])] {
            check([x]) { $0[0].sigmoid() }
            check([x]) { $0[0].tanh() }
            check([x]) { $0[0].silu() }
            check([x]) { $0[0].gelu() }
            check([x]) { $0[0].gelu(approximate: .tanh) }
        }
        check([awayFromZero([3, 4])]) { $0[0].leakyRelu() }
        check([awayFromZero([3, 4])]) { $0[0].leakyRelu(negativeSlope: 0.2) }
        check([awayFromZero([])]) { $0[0].leakyRelu(negativeSlope: -0.5) }
        let x = uniform([3, 4], -3, 3)
        for d in [0, 1, -1] {
            check([x]) { $0[0].softmax(dim: d) }
            check([x]) { $0[0].logSoftmax(dim: d) }
        }
        check([uniform([2, 3, 4], -3, 3)]) { $0[0].softmax(dim: 1) }
        check([uniform([2, 3, 4], -3, 3)]) { $0[0].logSoftmax(dim: 1) }
        check([uniform([])]) { $0[0].softmax(dim: 0) }
        check([uniform([])]) { $0[0].logSoftmax(dim: -1) }
        check([uniform([0, 3])]) { $0[0].softmax(dim: 1) }
        check([uniform([3, 0])]) { $0[0].logSoftmax(dim: 1) }
    }

    /// At |x| = 1e4 every activation and its gradient is finite and right. eps = 1/64 there: float32 has
    /// steps of 2^-10 near 1e4, so 1e4 +- 0.01 would be off by 2% while 1e4 +- 1/64 is exact.
    @Test func activationsAtExtremes() {
        let extremes: [Float] = [-1e4, -5e3, 5e3, 1e4]
        let acts: [(String, (Tensor) -> Tensor)] = [
            ("sigmoid", { $0.sigmoid() }), ("tanh", { $0.tanh() }), ("silu", { $0.silu() }),
            ("gelu", { $0.gelu() }), ("gelu_tanh", { $0.gelu(approximate: .tanh) }),
            ("leaky_relu", { $0.leakyRelu() }), ("relu", { $0.relu() }),
            ("softmax", { $0.softmax(dim: 0) }), ("log_softmax", { $0.logSoftmax(dim: 0) }),
        ]
        for (name, f) in acts {
            check([Tensor(extremes)], eps: 1.0 / 64) { f($0[0]) }
            let x = Tensor(extremes, requiresGrad: true)
            let y = f(x)
            #expect(y.scalars.allSatisfy { $0.isFinite }, "\(name) forward: \(y.scalars)")
            y.backward(gradient: Tensor.ones(y.shape))
            #expect(x.grad!.scalars.allSatisfy { $0.isFinite }, "\(name) backward: \(x.grad!.scalars)")
        }
        // Mixed rows for softmax: one huge, one tiny, one ordinary.
        let rows = Tensor([1e4, -1e4, 0, -1e4, -1e4, -1e4, 5, 100, -100], shape: [3, 3])
        check([rows], eps: 1.0 / 64) { $0[0].softmax(dim: 1) }
        // log_softmax's outputs near -1e4 + 1 are x - logsumexp(x), two numbers near 1e4 whose float32
        // difference is only good to ~5e-4, i.e. ~0.02 after dividing by 2 eps; the analytic side is exact.
        check([rows], eps: 1.0 / 64, atol: 0.03) { $0[0].logSoftmax(dim: 1) }
    }

    /// A composite of many ops at once, the way a network uses them.
    @Test func composite() {
        let x = uniform([4, 3], seed: 11), w = uniform([3, 5], seed: 12), b = uniform([5], seed: 13)
        check([x, w, b]) { t in
            ((t[0].matmul(t[1]) + t[2]).tanh().logSoftmax(dim: 1) * 0.5 - t[2].square().mean()).sum(dim: 0)
        }
    }
}
