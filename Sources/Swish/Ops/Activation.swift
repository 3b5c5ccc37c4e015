#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Activation functions with PyTorch's definitions, forward and backward side by side. Each is written to
// stay finite at the extremes (|x| up to 1e4 and beyond): sigmoid and silu never form exp of a large
// positive number, softmax and log_softmax subtract the row maximum.

/// sigmoid(x) without overflow: for x < 0 use e^x / (1 + e^x).
@inline(__always)
package func _sigmoid(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + expf(-x)) }
    let e = expf(x)
    return e / (1 + e)
}

/// Which formula GELU uses (PyTorch's `approximate` argument).
public enum GELUApproximation: Int32, Sendable {
    /// x * Phi(x) with the exact normal CDF (erf).
    case none = 0
    /// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
    case tanh = 1
}

extension Tensor {
    package static func _sigmoid(_ x: Tensor) throws -> Tensor {
        let out = try _unary(x) { Swish._sigmoid($0) }
        if recording(x) {
            out.record("SigmoidBackward0", x, savesTensors: true) { node, g in
                Grads(try _zipGrad(g, node, of: node) { gi, yi in gi * yi * (1 - yi) })
            }
        }
        return out
    }

    package static func _tanh(_ x: Tensor) throws -> Tensor {
        let out = try _unary(x) { tanhf($0) }
        if recording(x) {
            out.record("TanhBackward0", x, savesTensors: true) { node, g in
                Grads(try _zipGrad(g, node, of: node) { gi, yi in gi * (1 - yi * yi) })
            }
        }
        return out
    }

    package static func _leakyRelu(_ x: Tensor, negativeSlope s: Float = 0.01) throws -> Tensor {
        guard s.isFinite else { throw SwishError.invalidArgument("negative_slope must be finite, got \(s)") }
        let out = try _unary(x) { $0 > 0 ? $0 : $0 * s }
        if recording(x) {
            out.record("LeakyReluBackward0", x, savesTensors: true, scalar: s) { node, g in
                let s = node.savedScalar
                return Grads(try _zipGrad(g, node.in0!, of: node) { gi, xi in xi > 0 ? gi : gi * s })
            }
        }
        return out
    }

    package static func _gelu(_ x: Tensor, approximate: GELUApproximation = .none) throws -> Tensor {
        let out: Tensor
        switch approximate {
        case .none: out = try _unary(x) { v in 0.5 * v * (1 + erff(v * GELUConstants.invSqrt2)) }
        case .tanh:
            out = try _unary(x) { v in 0.5 * v * (1 + tanhf(GELUConstants.k * (v + GELUConstants.c * v * v * v))) }
        }
        guard recording(x) else { return out }
        switch approximate {
        case .none:
            out.record("GeluBackward0", x, savesTensors: true) { node, g in
                // d/dx x Phi(x) = Phi(x) + x phi(x)
                Grads(
                    try _zipGrad(g, node.in0!, of: node) { gi, v in
                        let cdf = 0.5 * (1 + erff(v * GELUConstants.invSqrt2))
                        let pdf = GELUConstants.invSqrt2Pi * expf(-0.5 * v * v)
                        return gi * (cdf + v * pdf)
                    })
            }
        case .tanh:
            out.record("GeluBackward0", x, savesTensors: true) { node, g in
                // PyTorch's GeluBackward with approximate="tanh".
                Grads(
                    try _zipGrad(g, node.in0!, of: node) { gi, v in
                        let inner = GELUConstants.k * (v + GELUConstants.c * v * v * v)
                        let t = tanhf(inner)
                        let left = 0.5 * v
                        let right = 1 + t
                        let leftDerivative = 0.5 * right
                        let tanhDerivative = 1 - t * t
                        let innerDerivative = GELUConstants.k * (1 + 3 * GELUConstants.c * v * v)
                        let rightDerivative = left * tanhDerivative * innerDerivative
                        return gi * (leftDerivative + rightDerivative)
                    })
            }
        }
        return out
    }

    package static func _silu(_ x: Tensor) throws -> Tensor {
        let out = try _unary(x) { $0 * Swish._sigmoid($0) }
        if recording(x) {
            out.record("SiluBackward0", x, savesTensors: true) { node, g in
                Grads(
                    try _zipGrad(g, node.in0!, of: node) { gi, v in
                        let s = Swish._sigmoid(v)
                        return gi * s * (1 + v * (1 - s))
                    })
            }
        }
        return out
    }

    /// Calls `body(base, n, stride)` for every line of `x` along `dim` (x viewed as [outer, n, inner]).
    @inline(__always)
    private static func forEachLine(
        _ shape: Shape, _ dim: Int, _ body: (_ offset: Int, _ n: Int, _ stride: Int) -> Void
    ) {
        let n = shape.rank == 0 ? 1 : shape[dim]
        let outer = shape.rank == 0 ? 1 : shape.product(0..<dim)
        let inner = shape.rank == 0 ? 1 : shape.product(dim + 1..<shape.rank)
        guard n > 0, outer > 0, inner > 0 else { return }  // an empty tensor has no line: [0, 2^40] has none
        for o in 0..<outer {
            for i in 0..<inner { body(o * n * inner + i, n, inner) }
        }
    }

    package static func _softmax(_ x: Tensor, dim: Int) throws -> Tensor {
        let d = try x.shape.normalize(dim: dim)
        let out = try Tensor(uninitialized: x.shape)
        let xp = x.pointer, yp = out.pointer
        forEachLine(x.shape, d) { base, n, st in
            var m = -Float.infinity
            for j in 0..<n { m = Swift.max(m, xp[base + j * st]) }
            if m == -.infinity { m = 0 }  // a line of -inf: exp gives 0/0 = NaN, as PyTorch
            var s: Float = 0
            for j in 0..<n {
                let e = expf(xp[base + j * st] - m)
                yp[base + j * st] = e
                s += e
            }
            for j in 0..<n { yp[base + j * st] /= s }
        }
        if recording(x) {
            out.record("SoftmaxBackward0", x, savesTensors: true) { node, g in
                let gx = try Tensor(uninitialized: x.shape)
                let gp = g.pointer, yp = node.pointer, op = gx.pointer
                forEachLine(x.shape, d) { base, n, st in
                    var dot: Float = 0
                    for j in 0..<n { dot += gp[base + j * st] * yp[base + j * st] }
                    for j in 0..<n { op[base + j * st] = yp[base + j * st] * (gp[base + j * st] - dot) }
                }
                return Grads(gx)
            }
        }
        return out
    }

    package static func _logSoftmax(_ x: Tensor, dim: Int) throws -> Tensor {
        let d = try x.shape.normalize(dim: dim)
        let out = try Tensor(uninitialized: x.shape)
        let xp = x.pointer, yp = out.pointer
        forEachLine(x.shape, d) { base, n, st in
            var m = -Float.infinity
            for j in 0..<n { m = Swift.max(m, xp[base + j * st]) }
            // As softmax: a line of -inf gives NaN, and so does a line holding +inf (inf - inf), as PyTorch.
            if m == -.infinity { m = 0 }
            var s: Float = 0
            for j in 0..<n { s += expf(xp[base + j * st] - m) }
            let lse = m + logf(s)
            for j in 0..<n { yp[base + j * st] = xp[base + j * st] - lse }
        }
        if recording(x) {
            out.record("LogSoftmaxBackward0", x, savesTensors: true) { node, g in
                let gx = try Tensor(uninitialized: x.shape)
                let gp = g.pointer, yp = node.pointer, op = gx.pointer
                forEachLine(x.shape, d) { base, n, st in
                    var s: Float = 0
                    for j in 0..<n { s += gp[base + j * st] }
                    for j in 0..<n { op[base + j * st] = gp[base + j * st] - expf(yp[base + j * st]) * s }
                }
                return Grads(gx)
            }
        }
        return out
    }
}

extension Tensor {
    /// 1 / (1 + e^-x) elementwise.
    public func sigmoid() -> Tensor { _trap { try Tensor._sigmoid(self) } }
    /// tanh(x) elementwise.
    public func tanh() -> Tensor { _trap { try Tensor._tanh(self) } }
    /// x for x > 0, negativeSlope * x otherwise.
    public func leakyRelu(negativeSlope: Float = 0.01) -> Tensor {
        _trap { try Tensor._leakyRelu(self, negativeSlope: negativeSlope) }
    }
    /// x * Phi(x), exactly or with the tanh approximation.
    public func gelu(approximate: GELUApproximation = .none) -> Tensor {
        _trap { try Tensor._gelu(self, approximate: approximate) }
    }
    /// x * sigmoid(x), also called swish.
    public func silu() -> Tensor { _trap { try Tensor._silu(self) } }
    /// exp(x) / sum(exp(x)) along `dim`.
    public func softmax(dim: Int) -> Tensor { _trap { try Tensor._softmax(self, dim: dim) } }
    /// log(softmax(x)) along `dim`, computed stably.
    public func logSoftmax(dim: Int) -> Tensor { _trap { try Tensor._logSoftmax(self, dim: dim) } }
}

/// GELU's constants, as literals the backward closures can use without capturing them.
private enum GELUConstants {
    static let k: Float = 0.797_884_560_802_865_4  // sqrt(2 / pi)
    static let c: Float = 0.044715
    static let invSqrt2: Float = 0.707_106_781_186_547_5
    static let invSqrt2Pi: Float = 0.398_942_280_401_432_7  // 1 / sqrt(2 pi)
}
