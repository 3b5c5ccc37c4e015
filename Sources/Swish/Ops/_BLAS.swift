import COpenBLAS

/// The engine's only door to OpenBLAS: every `cblas_*` call goes through here.
package enum _BLAS {
    /// Row-major C = alpha * op(A) @ op(B) + beta * C, with op(A) m x k and op(B) k x n.
    @inline(__always)
    package static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
        _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // OpenBLAS would still scale C by beta; make the empty sum explicit.
            if beta == 0 {
                for i in 0..<m { (c + i * ldc).initialize(repeating: 0, count: n) }
            } else if beta != 1 {
                for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
            }
            return
        }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// The largest size any GEMM dimension may have (OpenBLAS's `blasint` is 32-bit here).
    package static let maxDimension = Int(blasint.max)
}
