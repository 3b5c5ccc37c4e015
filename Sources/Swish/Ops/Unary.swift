#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Elementwise functions of one tensor: each op's forward and backward side by side.

extension Tensor {
    package static func _abs(_ x: Tensor) throws -> Tensor {
        let out = try _unary(x) { Swift.abs($0) }
        if recording(x) {
            out.record("AbsBackward0", x, savesTensors: true) { node, g in
                Grads(try _zipGrad(g, node.in0!, of: node) { gi, xi in xi > 0 ? gi : (xi < 0 ? -gi : 0) })
            }
        }
        return out
    }

    package static func _exp(_ x: Tensor) throws -> Tensor {
        let out = try _unary(x) { expf($0) }
        if recording(x) {
            out.record("ExpBackward0", x, savesTensors: true) { node, g in Grads(try _zipGrad(g, node, of: node, *)) }
        }
        return out
    }

    package static func _log(_ x: Tensor) throws -> Tensor {
        let out = try _unary(x) { logf($0) }
        if recording(x) {
            out.record("LogBackward0", x, savesTensors: true) { _, g in Grads(try _binary(g, x, /)) }
        }
        return out
    }

    package static func _sqrt(_ x: Tensor) throws -> Tensor {
        let out = try _unary(x) { $0.squareRoot() }
        if recording(x) {
            out.record("SqrtBackward0", x, savesTensors: true) { node, g in
                Grads(try _zipGrad(g, node, of: node) { gi, yi in gi / (2 * yi) })
            }
        }
        return out
    }

    /// `x ** p` for a scalar exponent. Exponent 0.5 is a square root (and its gradient uses 1 / sqrt), as in
    /// PyTorch: powf(-inf, 0.5) is +inf where sqrt(-inf) is NaN.
    package static func _pow(_ x: Tensor, _ p: Float) throws -> Tensor {
        let out: Tensor
        if p == 2 {
            out = try _unary(x) { $0 * $0 }
        } else if p == 1 {
            out = try _unary(x) { $0 }
        } else if p == 0.5 {
            out = try _unary(x) { $0.squareRoot() }
        } else {
            out = try _unary(x) { powf($0, p) }
        }
        if recording(x) {
            out.record("PowBackward0", x, savesTensors: true) { _, g in
                if p == 0 { return Grads(try Tensor(zeroed: x.shape)) }
                if p == 2 { return Grads(try _binary(g, x) { gi, xi in gi * 2 * xi }) }
                if p == 0.5 { return Grads(try _binary(g, x) { gi, xi in gi * 0.5 / xi.squareRoot() }) }
                return Grads(try _binary(g, x) { gi, xi in gi * p * powf(xi, p - 1) })
            }
        }
        return out
    }

    package static func _square(_ x: Tensor) throws -> Tensor { try _pow(x, 2) }

    /// Clamps into [min, max]; either bound may be nil (PyTorch's `clamp(min=None, max=None)`).
    /// NaN stays NaN. The gradient passes strictly inside the given bounds (0 at a bound and for NaN), as
    /// PyTorch's clamp backward does.
    package static func _clamp(_ x: Tensor, min lo: Float?, max hi: Float?) throws -> Tensor {
        guard lo != nil || hi != nil else {
            throw SwishError.invalidArgument("At least one of 'min' or 'max' must not be None")
        }
        let l = lo ?? -.infinity, h = hi ?? .infinity
        // Swift.max(v, .nan) is v, but a NaN bound makes every result NaN in PyTorch.
        let nanBound = l.isNaN || h.isNaN
        let out = try _unary(x) { v in nanBound ? .nan : v.isNaN ? v : Swift.min(Swift.max(v, l), h) }
        if recording(x) {
            // A missing bound does not cut the gradient, not even at x = +-inf.
            let checkLo = lo != nil, checkHi = hi != nil
            out.record("ClampBackward1", x, savesTensors: true) { _, g in
                Grads(try _binary(g, x) { gi, xi in ((!checkLo || xi > l) && (!checkHi || xi < h)) ? gi : 0 })
            }
        }
        return out
    }

    /// max(x, 0); NaN stays NaN (PyTorch's clamp_min), so a diverging network is not silently masked.
    package static func _relu(_ x: Tensor) throws -> Tensor {
        let out = try _unary(x) { $0 < 0 ? 0 : $0 }
        if recording(x) {
            out.record("ReluBackward0", x, savesTensors: true) { node, g in
                // PyTorch's threshold_backward: zero where the result is <= 0 (so NaN passes the gradient).
                // The result is <= 0 exactly where the input is (NaN: neither), so the node reads the input
                // it holds anyway instead of keeping its result.
                Grads(try _zipGrad(g, node.in0!, of: node) { gi, xi in xi <= 0 ? 0 : gi })
            }
        }
        return out
    }
}

extension Tensor {
    /// |x| elementwise.
    public func abs() -> Tensor { _trap { try Tensor._abs(self) } }
    /// e^x elementwise.
    public func exp() -> Tensor { _trap { try Tensor._exp(self) } }
    /// Natural logarithm elementwise.
    public func log() -> Tensor { _trap { try Tensor._log(self) } }
    /// Square root elementwise.
    public func sqrt() -> Tensor { _trap { try Tensor._sqrt(self) } }
    /// x^p elementwise for a scalar exponent.
    public func pow(_ p: Float) -> Tensor { _trap { try Tensor._pow(self, p) } }
    /// x^2 elementwise.
    public func square() -> Tensor { _trap { try Tensor._square(self) } }
    /// Clamps into [min, max].
    public func clamp(min: Float? = nil, max: Float? = nil) -> Tensor {
        _trap { try Tensor._clamp(self, min: min, max: max) }
    }
    /// max(x, 0) elementwise.
    public func relu() -> Tensor { _trap { try Tensor._relu(self) } }
}
