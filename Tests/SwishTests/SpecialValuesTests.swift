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

}
