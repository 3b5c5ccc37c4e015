import Testing

@testable import Swish

// Swish's own kernel for small and thin matrix products (_BLAS.small, swish_sgemm_small_avx2): every
// transpose case, tail widths, padded leading dimensions, alpha and beta, checked against a sum in
// double precision; and the properties the engine relies on.

@Suite struct SmallProductTests {
    /// Row-major operands with leading dimensions larger than needed (the padding holds NaN, which must
    /// never reach a result), and the reference C = alpha op(A) op(B) + beta C0 in double precision.
    struct Case {
        let transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float
        let lda: Int, ldb: Int, ldc: Int
        var a: [Float], b: [Float], c: [Float]

        init(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, alpha: Float, beta: Float, seed: UInt64) {
            self.transA = transA
            self.transB = transB
            (self.m, self.n, self.k, self.alpha, self.beta) = (m, n, k, alpha, beta)
            lda = (transA ? m : k) + 3
            ldb = (transB ? k : n) + 5
            ldc = n + 2
            let g = Generator(seed: seed)
            func values(_ rows: Int, _ cols: Int, _ ld: Int) -> [Float] {
                let r = Tensor.randn([rows * ld], generator: g).scalars
                return (0..<(rows * ld)).map { $0 % ld < cols ? r[$0] : .nan }
            }
            a = transA ? values(k, m, lda) : values(m, k, lda)
            b = transB ? values(n, k, ldb) : values(k, n, ldb)
            // With beta = 0, C's old values are NaN: BLAS overwrites C without reading it.
            c = values(m, n, ldc).map { beta == 0 ? .nan : $0 }
        }

        func opA(_ i: Int, _ p: Int) -> Double { Double(transA ? a[p * lda + i] : a[i * lda + p]) }
        func opB(_ p: Int, _ j: Int) -> Double { Double(transB ? b[j * ldb + p] : b[p * ldb + j]) }

        /// The product and a bound on its rounding error (a few float ulps of the sum of |terms|).
        func reference(_ i: Int, _ j: Int) -> (value: Double, tolerance: Double) {
            var s = 0.0, magnitude = 0.0
            for p in 0..<k {
                s += opA(i, p) * opB(p, j)
                magnitude += Swift.abs(opA(i, p) * opB(p, j))
            }
            let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
            let value = Double(alpha) * s + old
            return (value, 1e-6 * Double(k + 2) * (Swift.abs(Double(alpha)) * magnitude + Swift.abs(old)) + 1e-30)
        }

        /// C after the product through `body` (the kernel or the dispatcher), row by row if asked.
        func run(rowByRow: Bool = false, _ body: (Int, Int, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
            var out = c
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    out.withUnsafeMutableBufferPointer { cp in
                        if rowByRow {
                            for i in 0..<m {
                                body(i, 1, transA ? ap.baseAddress! + i : ap.baseAddress! + i * lda, bp.baseAddress!, cp.baseAddress! + i * ldc)
                            }
                        } else {
                            body(0, m, ap.baseAddress!, bp.baseAddress!, cp.baseAddress!)
                        }
                    }
                }
            }
            return out
        }

        func small(rowByRow: Bool = false) -> [Float] {
            run(rowByRow: rowByRow) { _, rows, a, b, c in
                _BLAS.small(transA, transB, rows, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            }
        }

        /// Indices of C whose value is off the reference, or where the padding between rows changed.
        func wrong(_ out: [Float]) -> [Int] {
            out.indices.filter { idx in
                let (i, j) = (idx / ldc, idx % ldc)
                guard j < n else { return !(out[idx].isNaN && c[idx].isNaN) && out[idx] != c[idx] }
                let (value, tolerance) = reference(i, j)
                return !(Swift.abs(Double(out[idx]) - value) <= tolerance)
            }
        }
    }

    @Test func smallKernelMatchesADoublePrecisionProduct() throws {
        try #require(_Kernels.hasAVX2, "the small-product kernel needs AVX2 and FMA")
        // Sizes around the tiles (4 x 16, 2 x 32, 1 x 32, 8 dot products of 8 lanes) and their tails; sums
        // of 1 to 4 terms take their own path (a weight's gradient over a small batch).
        let sizes = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 40]
        var checked = 0, seed: UInt64 = 1
        for transA in [false, true] {
            for transB in [false, true] {
                for (idx, m) in sizes.enumerated() {
                    for n in [sizes[(idx * 5 + 1) % sizes.count], sizes[(idx * 3 + 4) % sizes.count], 64] {
                        for k in [sizes[(idx * 7 + 2) % sizes.count], 1, 2, 4, 130] {
                            let (alpha, beta): (Float, Float) = [(1, 0), (1, 1), (-0.5, 0.25), (2, 0)][Int(seed % 4)]
                            let t = Case(transA, transB, m, n, k, alpha: alpha, beta: beta, seed: seed)
                            seed += 1
                            let bad = t.wrong(t.small())
                            #expect(bad.isEmpty, "\(transA ? "T" : "N")\(transB ? "T" : "N") m=\(m) n=\(n) k=\(k) alpha=\(alpha) beta=\(beta): \(bad.count) wrong, first at \(bad.first ?? -1)")
                            checked += 1
                        }
                    }
                }
            }
        }
        #expect(checked == 4 * 14 * 15)
    }

    @Test func aRowHasTheSameBitsWhateverTheBatch() throws {
        // Batch-1 inference and a batch give the same row: the kernel's arithmetic for an element does not
        // depend on m or on where its tile starts.
        try #require(_Kernels.hasAVX2, "the small-product kernel needs AVX2 and FMA")
        for transA in [false, true] {
            for transB in [false, true] {
                for k in [37, 2] {
                    let t = Case(transA, transB, 11, 21, k, alpha: 1, beta: 1, seed: 99)
                    let whole = t.small(), rows = t.small(rowByRow: true)
                    #expect(whole.map(\.bitPattern) == rows.map(\.bitPattern), "\(transA) \(transB) k=\(k)")
                }
            }
        }
    }

    @Test func specialValuesPropagateAsInBLAS() throws {
        try #require(_Kernels.hasAVX2, "the small-product kernel needs AVX2 and FMA")
        // An infinity or NaN in an operand reaches exactly the elements whose sums include it.
        var t = Case(false, true, 3, 10, 12, alpha: 1, beta: 0, seed: 5)
        t.a[1 * t.lda + 4] = .infinity  // row 1 of A
        t.b[7 * t.ldb + 11] = .nan  // column 7 of op(B) (the last term, in the masked tail)
        let out = t.small()
        for i in 0..<3 {
            for j in 0..<10 {
                let v = out[i * t.ldc + j]
                if j == 7 { #expect(v.isNaN, "(\(i), \(j))") } else if i == 1 { #expect(v.isInfinite || v.isNaN, "(\(i), \(j))") } else { #expect(v.isFinite, "(\(i), \(j))") }
            }
        }
    }

    @Test func theDispatcherSendsOnlySmallAndThinProductsToTheKernel() {
        let expected = _Kernels.hasAVX2
        #expect(_BLAS.usesSmallKernel(m: 2, n: 256, k: 20) == expected)  // the batch-2 step's forward
        #expect(_BLAS.usesSmallKernel(m: 64, n: 32, k: 32) == expected)  // 65,536 multiply-adds
        #expect(_BLAS.usesSmallKernel(m: 128, n: 10, k: 256) == expected)  // thin: 10 columns
        #expect(_BLAS.usesSmallKernel(m: 512, n: 128, k: 16) == expected)  // thin, 1,048,576
        #expect(!_BLAS.usesSmallKernel(m: 513, n: 128, k: 16))  // thin but above the limit
        #expect(!_BLAS.usesSmallKernel(m: 64, n: 64, k: 17))  // 69,632, none thin
        #expect(!_BLAS.usesSmallKernel(m: 1 << 31 - 1, n: 1 << 31 - 1, k: 1 << 31 - 1))  // overflows
        // Through the dispatcher, a small product gives the reference values too.
        let t = Case(false, true, 2, 20, 16, alpha: 1, beta: 1, seed: 7)
        let out = t.run { _, rows, a, b, c in
            _BLAS.gemm(transA: false, transB: true, m: rows, n: t.n, k: t.k, a, lda: t.lda, b, ldb: t.ldb, beta: 1, c, ldc: t.ldc)
        }
        #expect(t.wrong(out).isEmpty)
    }
}
