import Testing

@testable import Swish

// NaN, infinities, signed zeros and clamp bounds: the values and gradients PyTorch gives there (read off
// torch 2.15; the same cases are in Fixtures/core.json). NaN must propagate, never be masked to a number.

/// [nan, inf, -inf, -0, 0, -1, 2]
private let special: [Float] = [.nan, .infinity, -.infinity, -0.0, 0.0, -1, 2]

/// f(x) and d(sum(upstream * f(x)))/dx at `values` (upstream ones unless given).
private func run(
    _ values: [Float], shape: Shape? = nil, upstream: [Float]? = nil, _ f: (Tensor) -> Tensor
) -> (out: Tensor, grad: Tensor) {
    let x = Tensor(values, shape: shape ?? [values.count], requiresGrad: true)
    let y = f(x)
    y.backward(gradient: upstream.map { Tensor($0, shape: y.shape) } ?? Tensor.ones(y.shape))
    return (y, x.grad!)
}

@Suite struct SpecialValuesTests {
    @Test func reluPropagatesNaN() {
        let (y, g) = run(special) { $0.relu() }
        expectClose(y, [.nan, .infinity, 0, -0.0, 0, 0, 2], "relu")
        // threshold_backward: the gradient is cut where the result is <= 0, so NaN lets it through.
        expectClose(g, [1, 1, 0, 0, 0, 0, 1], "relu grad")
        #expect(y.scalars[3].sign == .minus, "relu(-0) is -0, as clamp_min gives")
    }

    @Test func clampGradientStopsAtTheBounds() {
        let x: [Float] = [-0.5, 0.5, 0, -0.0, 1]
        expectClose(run(x) { $0.clamp(min: -0.5, max: 0.5) }.grad, [0, 0, 1, 1, 0], "clamp(-0.5, 0.5)")
        expectClose(run(x) { $0.clamp(min: 0.5) }.grad, [0, 0, 0, 0, 1], "clamp(min: 0.5)")
        expectClose(run(x) { $0.clamp(max: 0.5) }.grad, [1, 0, 1, 1, 0], "clamp(max: 0.5)")
        // A bound that is not given does not cut the gradient at the infinities.
        let lo = run(special) { $0.clamp(min: 0) }
        expectClose(lo.out, [.nan, .infinity, 0, -0.0, 0, 0, 2], "clamp(min: 0)")
        expectClose(lo.grad, [0, 1, 0, 0, 0, 0, 1], "clamp(min: 0) grad")
        let hi = run(special) { $0.clamp(max: 0) }
        expectClose(hi.out, [.nan, 0, -.infinity, -0.0, 0, -1, 0], "clamp(max: 0)")
        expectClose(hi.grad, [0, 0, 1, 0, 0, 1, 0], "clamp(max: 0) grad")
    }

    @Test func clampWithANaNBoundIsNaN() {
        for (lo, hi) in [(Float.nan, nil), (nil, Float.nan), (0, Float.nan)] as [(Float?, Float?)] {
            let (y, g) = run([1, 2, .nan]) { $0.clamp(min: lo, max: hi) }
            expectClose(y, [.nan, .nan, .nan], "clamp(\(String(describing: lo)), \(String(describing: hi)))")
            expectClose(g, [0, 0, 0], "its gradient")
        }
    }

    @Test func powOneHalfIsASquareRoot() {
        let (y, g) = run(special) { $0.pow(0.5) }
        expectClose(y, [.nan, .infinity, .nan, -0.0, 0, .nan, 1.414_213_5], "pow 0.5")
        expectClose(g, [.nan, 0, .nan, -.infinity, .infinity, .nan, 0.353_553_38], "pow 0.5 grad")
        let s = run(special) { $0.sqrt() }
        expectClose(s.out, y.scalars, "sqrt agrees with pow 0.5")
    }

    @Test func logSoftmaxOfALineWithInfinities() {
        let rows: [Float] = [.infinity, 1, -.infinity, 1, -.infinity, -.infinity]
        let (y, g) = run(rows, shape: [3, 2]) { $0.logSoftmax(dim: 1) }
        expectClose(y, [.nan, .nan, -.infinity, 0, .nan, .nan], "log_softmax")
        expectClose(g, [.nan, .nan, 1, -1, .nan, .nan], "log_softmax grad")
        let s = run(rows, shape: [3, 2], upstream: [1, 0, 1, 0, 1, 0]) { $0.softmax(dim: 1) }
        expectClose(s.out, [.nan, .nan, 0, 1, .nan, .nan], "softmax")
        expectClose(s.grad, [.nan, .nan, 0, 0, .nan, .nan], "softmax grad")
    }
}
