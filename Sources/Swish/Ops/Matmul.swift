// Matrix products with torch.matmul's rules: 1-d operands are promoted (and the added dim removed
// afterwards), leading dims are batch dims and broadcast. All products go through one batched GEMM loop.

extension Tensor {
    /// Batched `a @ b` for a: [..., m, k], b: [..., k, n] (rank >= 2 each), batch dims broadcast.
    /// `transA`/`transB` read a or b as their last-two-dims transpose, so backward needs no copies.
    private static func batchedGemm(
        _ a: Tensor, transA: Bool, _ b: Tensor, transB: Bool
    ) throws -> Tensor {
        let ra = a.ndim, rb = b.ndim
        let m = transA ? a.shape[ra - 1] : a.shape[ra - 2]
        let ka = transA ? a.shape[ra - 2] : a.shape[ra - 1]
        let kb = transB ? b.shape[rb - 1] : b.shape[rb - 2]
        let n = transB ? b.shape[rb - 2] : b.shape[rb - 1]
        guard ka == kb else {
            throw SwishError.shape(
                "mat1 and mat2 shapes cannot be multiplied (\(m)x\(ka) and \(kb)x\(n)); operands \(a.shape) and \(b.shape)"
            )
        }
        let limit = _BLAS.maxDimension
        guard m <= limit, n <= limit, ka <= limit else {
            throw SwishError.invalidArgument("matmul dimensions above \(limit) are not supported")
        }
        if ra == 2 && rb == 2 {
            // One matrix by one matrix (the common case): no batch shapes to build.
            let out = try Tensor(uninitialized: .matrix(m, n))
            if out.numel > 0 {
                _BLAS.gemm(
                    transA: transA, transB: transB, m: m, n: n, k: ka, a.pointer, lda: a.shape[1], b.pointer,
                    ldb: b.shape[1], out.pointer, ldc: n)
            }
            return out
        }
        let batchA = Shape(a.shape.prefix(ra - 2)), batchB = Shape(b.shape.prefix(rb - 2))
        let batch = try Shape.broadcast(batchA, batchB)
        var outDims = batch.array
        outDims += [m, n]
        let out = try Tensor(uninitialized: try Shape.validated(outDims))
        if out.numel == 0 { return out }  // no GEMM per batch entry of an empty result ([2^40] batches of 0 rows)
        let lda = a.shape[ra - 1], ldb = b.shape[rb - 1]
        let sa = m * ka, sb = ka * n, sc = m * n
        let batches = batch.numel
        let (foldedRows, foldOverflow) = batches.multipliedReportingOverflow(by: m)
        if batchB.numel == 1 && !transA && batchA == batch && !foldOverflow && foldedRows <= limit {
            // b is shared by every batch: fold a's batch into its rows, one GEMM.
            _BLAS.gemm(
                transA: false, transB: transB, m: batches * m, n: n, k: ka, a.pointer, lda: lda, b.pointer,
                ldb: ldb, out.pointer, ldc: n)
            return out
        }
        var it = BroadcastIterator(batch, batchA, batchB)
        // BroadcastIterator walks element offsets in batch index space; scale by the matrix sizes.
        var ob = 0
        let inner = it.innerCount, ia = it.innerStrideA, ib = it.innerStrideB
        while let (pa, pb) = it.next() {
            for j in 0..<inner {
                _BLAS.gemm(
                    transA: transA, transB: transB, m: m, n: n, k: ka, a.pointer + (pa + j * ia) * sa, lda: lda,
                    b.pointer + (pb + j * ib) * sb, ldb: ldb, out.pointer + ob * sc, ldc: n)
                ob += 1
            }
        }
        return out
    }

    package static func _matmul(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard a.ndim >= 1, b.ndim >= 1 else {
            throw SwishError.invalidArgument(
                "both arguments to matmul need to be at least 1D, but they are \(a.ndim)D and \(b.ndim)D")
        }
        // Promote 1-d operands to matrices.
        let a2 = a.ndim == 1 ? a.view(as: [1, a.shape[0]]) : a
        let b2 = b.ndim == 1 ? b.view(as: [b.shape[0], 1]) : b
        let prod = try batchedGemm(a2, transA: false, b2, transB: false)
        // Remove the promoted dims.
        let out: Tensor
        if a.ndim == 1 || b.ndim == 1 {
            var dims = prod.shape.array
            if b.ndim == 1 { dims.removeLast() }
            if a.ndim == 1 { dims.remove(at: dims.count - (b.ndim == 1 ? 1 : 2)) }
            out = prod.view(as: Shape(dims))
        } else {
            out = prod  // nothing promoted: the product is the result, no view needed
        }

        if recording(a, b) {
            let name: StaticString =
                a.ndim == 1 && b.ndim == 1 ? "DotBackward0"
                : a.ndim == 2 && b.ndim == 1 ? "MvBackward0"
                : a.ndim <= 2 && b.ndim == 2 ? "MmBackward0" : "BmmBackward0"
            out.record(name, a, b, savesTensors: true) { node, g in
                let a = node.in0!, b = node.in1!
                let a2 = a.ndim == 1 ? a.view(as: .matrix(1, a.shape[0])) : a
                let b2 = b.ndim == 1 ? b.view(as: .matrix(b.shape[0], 1)) : b
                let promoted = a.ndim == 1 || b.ndim == 1
                let g2 = promoted ? g.view(as: promotedShape(of: g.shape, a.ndim == 1, b.ndim == 1)) : g
                var ga: Tensor? = nil, gb: Tensor? = nil
                if node.needsGrad(0) {
                    // dA = dC @ B^T, summed over broadcast batch dims.
                    ga = try batchedGemm(g2, transA: false, b2, transB: true)._sumTo(a2.shape).reshaped(as: a.shape)
                }
                if node.needsGrad(1) {
                    // dB = A^T @ dC.
                    if a2.ndim > 2 && b2.ndim == 2 {
                        // b shared over a's batch: fold the batch into the rows, one GEMM.
                        let rows = a2.shape.product(0..<(a2.ndim - 1))  // not numel / k: k may be 0
                        let af = a2.view(as: [rows, a2.shape[a2.ndim - 1]])
                        let gf = g2.view(as: [rows, g2.shape[g2.ndim - 1]])
                        gb = try batchedGemm(af, transA: true, gf, transB: false).reshaped(as: b.shape)
                    } else {
                        gb = try batchedGemm(a2, transA: true, g2, transB: false)._sumTo(b2.shape).reshaped(as: b.shape)
                    }
                }
                return Grads(ga, gb)
            }
        }
        return out
    }
}

/// The shape of the product before the dims added for 1-d operands were removed (the inverse of
/// `_matmul`'s removal), for a gradient of shape `shape`.
private func promotedShape(of shape: Shape, _ aWasVector: Bool, _ bWasVector: Bool) -> Shape {
    var dims = shape.array
    if aWasVector { dims.insert(1, at: dims.count - (bWasVector ? 0 : 1)) }
    if bWasVector { dims.append(1) }
    return Shape(dims)
}

extension Tensor {
    /// This tensor with shape `shape` (same element count): itself when the shape is already that, else a
    /// view. For gradients, whose identity nothing depends on.
    fileprivate func reshaped(as shape: Shape) -> Tensor { self.shape == shape ? self : view(as: shape) }
}

extension Tensor {
    /// Matrix product with `torch.matmul`'s rules (1-d, 2-d and batched operands).
    public func matmul(_ other: Tensor) -> Tensor { _trap { try Tensor._matmul(self, other) } }
}

/// Matrix product with `torch.matmul`'s rules (`a @ b` in Python).
public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor { a.matmul(b) }
