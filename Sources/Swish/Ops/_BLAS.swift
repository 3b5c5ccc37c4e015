import COpenBLAS
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The engine's only door to OpenBLAS: every `cblas_*` call goes through here, and so does the choice of
/// how each matrix product runs (measured with scripts/bench.sh and scripts/profile.sh):
///
/// - Products call OpenBLAS single-threaded. (Plain vectorized Swift loops for tiny products were tried
///   and were not faster than OpenBLAS's 1-2 us per call at the benchmark's shapes.) OpenBLAS's own threading starts both threads for
///   products as small as 128x10x256, where it was twice as slow as one thread, and its thread count is
///   one process-wide setting that cannot be chosen per call without races. So Swish sets OpenBLAS to one
///   thread once, and splits large products (at least ``parallelProductLimit`` multiply-adds) into row
///   blocks computed on ``Parallelism/threads`` threads. Each element of C is still computed by the same
///   kernel over the same K, so results do not depend on the thread count.
package enum _BLAS {
    /// Products from this many multiply-adds are split over threads.
    package static let parallelProductLimit = 4_000_000

    /// The largest size any GEMM dimension may have (OpenBLAS's `blasint` is 32-bit here).
    package static let maxDimension = Int(blasint.max)

    /// Sets OpenBLAS to one thread, once (Swish parallelizes large products itself).
    private static let singleThreadedOpenBLAS: Void = { openblas_set_num_threads(1) }()

    /// Row-major C = alpha * op(A) @ op(B) + beta * C, with op(A) m x k and op(B) k x n.
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
        let (mn, o1) = m.multipliedReportingOverflow(by: n)
        let (macs, o2) = mn.multipliedReportingOverflow(by: k)
        let huge = o1 || o2
        _ = singleThreadedOpenBLAS
        let threads = Swift.min(Parallelism.threads, m)
        guard threads > 1, huge || macs >= parallelProductLimit else {
            openblas(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        // Row blocks of C: rows i0..<i1 of op(A) start at a + i0 * lda (or a + i0 when A is transposed).
        let rowsPerBlock = (m + threads - 1) / threads
        let a = UnsafeSendablePointer(a), b = UnsafeSendablePointer(b), c = UnsafeSendablePointer(c)
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let i0 = t * rowsPerBlock, i1 = Swift.min(m, i0 + rowsPerBlock)
            guard i0 < i1 else { return }
            openblas(
                transA, transB, i1 - i0, n, k, alpha, transA ? a.value + i0 : a.value + i0 * lda, lda, b.value,
                ldb, beta, c.value + i0 * ldc, ldc)
        }
    }

    @inline(__always)
    private static func openblas(
        _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float, _ a: UnsafePointer<Float>,
        _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float, _ c: UnsafeMutablePointer<Float>,
        _ ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
}

/// A pointer handed to the worker threads of one product; each writes only its own rows of C.
private struct UnsafeSendablePointer<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// How many threads Swish uses for one large matrix product.
public enum Parallelism {
    private static let _threads = Atomic<Int>(Parallelism.defaultThreads)

    /// The number of online processors (at least 1), the default thread count.
    public static let defaultThreads: Int = Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Threads for one large matrix product (default: the number of online processors). Values below 1
    /// count as 1. Swish keeps OpenBLAS itself single-threaded and splits large products over this many
    /// threads; small products always run on the calling thread.
    public static var threads: Int {
        get { _threads.load(ordering: .relaxed) }
        set { _threads.store(Swift.max(1, newValue), ordering: .relaxed) }
    }
}
