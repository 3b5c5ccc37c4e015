// The affine map of a fully connected layer, y = x @ W^T + b (PyTorch's F.linear), as one fused op:
// the bias is written into the output rows first and the product is accumulated onto it by a single GEMM
// (beta = 1), so the layer costs one BLAS call forward and at most two backward.

extension Tensor {
    /// `x @ weight^T + bias` for `x` of shape [..., in], `weight` [out, in] and `bias` [out] (or nil).
    ///
    /// Leading dimensions of `x` are batch dimensions of any rank, folded into the GEMM's rows; a 1-d `x`
    /// gives a 1-d result. The backward node carries the name PyTorch shows for the same call
    /// (`AddmmBackward0` for a 2-d input with bias, `MmBackward0` without).
    package static func _linear(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?) throws -> Tensor {
        guard weight.ndim == 2 else {
            throw SwishError.invalidArgument("linear: weight must be 2-d [out_features, in_features], got \(weight.shape)")
        }
        guard x.ndim >= 1 else {
            throw SwishError.invalidArgument("linear: the input must have at least 1 dimension, got a 0-d tensor")
        }
        let outFeatures = weight.shape[0], inFeatures = weight.shape[1]
        let rows = x.shape.product(0..<(x.ndim - 1))
        guard x.shape[x.ndim - 1] == inFeatures else {
            throw SwishError.shape(
                "mat1 and mat2 shapes cannot be multiplied (\(rows)x\(x.shape[x.ndim - 1]) and \(inFeatures)x\(outFeatures))"
            )
        }
        if let bias {
            guard bias.ndim == 1, bias.shape[0] == outFeatures else {
                throw SwishError.shape("linear: bias must have shape [\(outFeatures)], got \(bias.shape)")
            }
        }
        let limit = _BLAS.maxDimension
        guard rows <= limit, outFeatures <= limit, inFeatures <= limit else {
            throw SwishError.invalidArgument("linear: dimensions above \(limit) are not supported")
        }
        let out = try Tensor(uninitialized: x.shape.replacing(x.ndim - 1, with: outFeatures))
        if let bias, outFeatures > 0 {
            for r in 0..<rows { (out.pointer + r * outFeatures).update(from: bias.pointer, count: outFeatures) }
        }
        // out[rows, out] (+)= x[rows, in] @ W^T, W stored [out, in].
        _BLAS.gemm(
            transA: false, transB: true, m: rows, n: outFeatures, k: inFeatures, x.pointer, lda: inFeatures,
            weight.pointer, ldb: inFeatures, beta: bias == nil ? 0 : 1, out.pointer, ldc: outFeatures)

        if recording(x, weight, bias) {
            let name: StaticString
            switch x.ndim {
            case 2: name = bias == nil ? "MmBackward0" : "AddmmBackward0"
            case 1: name = bias == nil ? "SqueezeBackward4" : "UnsafeViewBackward0"
            default: name = "UnsafeViewBackward0"
            }
            // The node keeps x and the weight even when they need no gradient: each is the other's factor.
            out.record(name, x, weight, bias, savesTensors: true) { node, g in
                let x = node.in0!, weight = node.in1!
                let outFeatures = weight.shape[0], inFeatures = weight.shape[1]
                let rows = x.shape.product(0..<(x.ndim - 1))
                var gx: Tensor? = nil, gw: Tensor? = nil, gb: Tensor? = nil
                if node.needsGrad(0) {
                    // dx[rows, in] = g[rows, out] @ W[out, in]
                    let t = try Tensor(uninitialized: x.shape)
                    _BLAS.gemm(
                        transA: false, transB: false, m: rows, n: inFeatures, k: outFeatures, g.pointer,
                        lda: outFeatures, weight.pointer, ldb: inFeatures, t.pointer, ldc: inFeatures)
                    gx = t
                }
                if node.needsGrad(1) {
                    // dW[out, in] = g^T[out, rows] @ x[rows, in]
                    let t = try weight.takeSpareGrad() ?? Tensor(uninitialized: weight.shape)
                    _BLAS.gemm(
                        transA: true, transB: false, m: outFeatures, n: inFeatures, k: rows, g.pointer,
                        lda: outFeatures, x.pointer, ldb: inFeatures, t.pointer, ldc: inFeatures)
                    gw = t
                }
                if node.needsGrad(2) {
                    // db[out] = sum of g over the rows
                    let t = try node.in2!.takeSpareGrad() ?? Tensor(uninitialized: .vector(outFeatures))
                    _Kernels.sumMiddle(g.pointer, t.pointer, outer: 1, n: rows, inner: outFeatures)
                    gb = t
                }
                return Grads(gx, gw, gb)
            }
        }
        return out
    }
}

/// The affine map `x @ weight^T + bias` of a fully connected layer (PyTorch's `F.linear`).
///
/// `x` has shape [..., in], `weight` [out, in], `bias` [out]; the result has shape [..., out].
/// ```swift
/// let y = linear(x, weight: w, bias: b)
/// ```
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
    _trap { try Tensor._linear(x, weight, bias) }
}
