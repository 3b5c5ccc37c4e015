import COpenBLAS
import _SwishShims

/// The engine's only door to OpenBLAS: every `cblas_*` call goes through here, and so does the choice of
/// how each matrix product runs (measured with scripts/bench.sh at the shapes of its workloads):
///
/// - Small and thin products do not go to OpenBLAS at all when the processor has AVX2 and FMA: Swish's
///   own kernel (`swish_sgemm_small_avx2`, Sources/_SwishShims/include/shims.h) computes them without
///   OpenBLAS's fixed cost per call, which was half of a batch-2 training step. The limits below come
///   from timing both alternately at candidate shapes on this project's machine: the kernel was faster
///   at the batch-2 shapes and at thin ones up to a million multiply-adds, slower from about 64x64x64
///   up, which stays with OpenBLAS.
/// - OpenBLAS runs products of up to 262,144 multiply-adds on the calling thread and splits larger ones
///   over its own threads. Just above that threshold its threads cost more than they bring (128x10x256,
///   327,680 multiply-adds: 28 us on two threads, 18 us on one). So products below
///   ``threadedProductLimit`` are cut into row blocks small enough that OpenBLAS runs each on the calling
///   thread. From there on, OpenBLAS's threads are faster than one thread, and faster than splitting the
///   product over threads of Swish's own (tried: each part packs the shared operand again).
/// - Row blocks are multiples of ``rowAlignment`` rows, so they compute each row exactly as one
///   single-threaded call would.
/// - The thread count is OpenBLAS's own, process-wide setting (``Parallelism/threads``). Results are
///   deterministic for a given setting; another setting can change the last bits of products OpenBLAS
///   splits over its threads, as for any OpenBLAS program.
package enum _BLAS {
    /// OpenBLAS's own threshold (65,536 x GEMM_MULTITHREAD_THRESHOLD 4): products up to this many
    /// multiply-adds run single-threaded inside OpenBLAS.
    package static let singleThreadedProductLimit = 262_144
    /// Products below this many multiply-adds are cut into single-threaded row blocks.
    package static let threadedProductLimit = 1_048_576
    /// Row blocks are multiples of this many rows. OpenBLAS's Haswell and Zen sgemm kernels tile rows by
    /// 24 (measured: a product cut at a multiple of 24 rows gives exactly the bits of one single-threaded
    /// call; other cuts change some rows in the last bits).
    package static let rowAlignment = 24

    /// The largest size any GEMM dimension may have (OpenBLAS's `blasint` is 32-bit here).
    package static let maxDimension = Int(blasint.max)

    /// Products of at most this many multiply-adds use Swish's small-product kernel.
    package static let smallProductLimit = 65_536
    /// ... and so do products of at most ``thinProductLimit`` multiply-adds with a dimension of at most
    /// this size, which OpenBLAS's packing serves poorly (128x10x256 ran at 14 GFLOP/s).
    package static let thinDimension = 16
    package static let thinProductLimit = 1_048_576

    /// Whether a product of these sizes (each at least 1) runs in Swish's small-product kernel.
    @inline(__always)
    package static func usesSmallKernel(m: Int, n: Int, k: Int) -> Bool {
        guard _Kernels.hasAVX2 else { return false }
        let (mn, o1) = m.multipliedReportingOverflow(by: n)
        let (macs, o2) = mn.multipliedReportingOverflow(by: k)
        if o1 || o2 { return false }
        return macs <= smallProductLimit || (Swift.min(m, n, k) <= thinDimension && macs <= thinProductLimit)
    }

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
        if usesSmallKernel(m: m, n: n, k: k) {
            small(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        // Each size is below 2^31 (the callers check), but their product may not fit in 64 bits.
        let (mn, o1) = m.multipliedReportingOverflow(by: n)
        let (macs, o2) = mn.multipliedReportingOverflow(by: k)
        let rowCost = n * k  // multiply-adds per row of C; below 2^62
        guard !o1, !o2, macs > singleThreadedProductLimit, macs < threadedProductLimit,
            rowCost * rowAlignment <= singleThreadedProductLimit
        else {
            openblas(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        // Mid-sized: row blocks of at most singleThreadedProductLimit multiply-adds, one after the other.
        let rowsPerBlock = singleThreadedProductLimit / rowCost / rowAlignment * rowAlignment
        var i0 = 0
        while i0 < m {
            let rows = Swift.min(rowsPerBlock, m - i0)
            openblas(
                transA, transB, rows, n, k, alpha, transA ? a + i0 : a + i0 * lda, lda, b, ldb, beta,
                c + i0 * ldc, ldc)
            i0 += rows
        }
    }

    /// Swish's small-product kernel, with its packing scratch from the block cache (k x n floats when both
    /// operands are transposed, none otherwise).
    package static func small(
        _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float, _ a: UnsafePointer<Float>,
        _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float, _ c: UnsafeMutablePointer<Float>,
        _ ldc: Int
    ) {
        let floats = swish_sgemm_small_panel(transA, transB, n, k)
        guard floats > 0 else {
            swish_sgemm_small_avx2(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nil)
            return
        }
        let bytes = floats * MemoryLayout<Float>.stride  // 4 x k x n, below 4 x 2^20: no overflow
        guard let scratch = BlockCache.allocate(bytes) else {
            // No memory for the panel: OpenBLAS finds its own buffers.
            openblas(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        defer { BlockCache.free(scratch, bytes: bytes) }
        swish_sgemm_small_avx2(
            transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
            scratch.assumingMemoryBound(to: Float.self))
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

/// How many threads one call may use: a large matrix product, or an optimizer step.
public enum Parallelism {
    private static let lock = Lock()

    /// OpenBLAS's thread count (default: the number of processors, or `OPENBLAS_NUM_THREADS`). It is
    /// OpenBLAS's own process-wide setting, shared with any other OpenBLAS user in the process. Values
    /// below 1 count as 1. Products of fewer than about a million multiply-adds always use one thread.
    /// An optimizer step over 65,536 or more elements shares its work with up to `threads - 1` helper
    /// threads of Swish's own; the result has the same bits for any count.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { _ = exchangeThreads(newValue) }
    }

    /// Sets ``threads`` and returns the previous value, one caller at a time (OpenBLAS's setter starts
    /// threads and is not meant to run twice at once).
    package static func exchangeThreads(_ newValue: Int) -> Int {
        lock.withLock {
            let old = Int(openblas_get_num_threads())
            openblas_set_num_threads(Int32(clamping: Swift.max(1, newValue)))
            return old
        }
    }
}
