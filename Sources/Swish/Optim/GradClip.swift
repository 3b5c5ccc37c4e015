#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Scales the gradients of `parameters` in place so that their joint norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_`, and returns the joint norm before clipping.
///
/// The joint norm is the `normType`-norm of all gradient elements together (2 by default; `.infinity`
/// for the largest magnitude). Every gradient is multiplied by min(1, maxNorm / (norm + 1e-6)), PyTorch's
/// formula; parameters without a gradient are skipped and a parameter listed twice counts once. With no
/// gradient at all the result is 0 and nothing changes.
///
/// ```swift
/// loss.backward()
/// let norm = clipGradNorm(opt.parameters, maxNorm: 1)
/// opt.step()
/// ```
///
/// Traps for a negative `maxNorm` or a `normType` that is not > 0.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Float, normType: Float = 2) -> Float {
    _trap { try Tensor._clipGradNorm(parameters, maxNorm: maxNorm, normType: normType) }
}

extension Tensor {
    package static func _clipGradNorm(_ parameters: [Tensor], maxNorm: Float, normType: Float = 2) throws -> Float {
        guard maxNorm >= 0 else { throw SwishError.invalidArgument("max_norm must be >= 0, got \(maxNorm)") }
        guard normType > 0 && !normType.isNaN else {
            throw SwishError.invalidArgument("norm_type must be > 0 (or infinity), got \(normType)")
        }
        var seen = Set<ObjectIdentifier>()
        var grads: [Tensor] = []
        for p in parameters where seen.insert(ObjectIdentifier(p)).inserted {
            if let g = p.grad { grads.append(g) }
        }
        guard !grads.isEmpty else { return 0 }
        // Accumulate in double: the norm of many float32 elements without their rounding error.
        let p = Double(normType)
        var acc = 0.0
        for g in grads {
            let b = g.buffer
            if normType == .infinity {
                for v in b { acc = Swift.max(acc, Double(Swift.abs(v))) }
            } else if normType == 2 {
                for v in b { acc += Double(v) * Double(v) }
            } else {
                for v in b { acc += power(Double(Swift.abs(v)), p) }
            }
        }
        let total: Float =
            normType == .infinity ? Float(acc) : (normType == 2 ? Float(acc.squareRoot()) : Float(power(acc, 1 / p)))
        let coefficient = Swift.min(maxNorm / (total + 1e-6), 1)
        for g in grads {
            let b = g.mutableBuffer
            for i in b.indices { b[i] *= coefficient }
        }
        return total
    }
}

/// The C library's pow (inside `extension Tensor` the name resolves to the tensor method).
@inline(__always)
private func power(_ x: Double, _ y: Double) -> Double { pow(x, y) }
