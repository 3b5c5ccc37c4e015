import Synchronization
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import _SwishShims

/// The engine's inner loops. Each runs over raw buffers with the element function inlined, so LLVM can
/// vectorize it; ops call these and never loop over elements themselves.
package enum _Kernels {
    /// Whether the processor (and its operating system) supports AVX2 and FMA.
    package static let processorHasAVX2: Bool = swish_cpu_has_avx2_fma()
    /// Whether the optimizer updates and small matrix products use their AVX2 builds
    /// (Sources/_SwishShims/include/shims.h): when the processor has AVX2 and FMA, unless `SWISH_NO_AVX2` is set in
    /// the environment (to compare the portable path: Swift loops and OpenBLAS).
    /// Asked for every product: kept in an atomic with a constant initial value (0: not known yet, 1: no,
    /// 2: yes) rather than a lazy `static let`, whose every read is a `swift_once` call.
    package static var hasAVX2: Bool {
        let known = _hasAVX2.load(ordering: .relaxed)
        if known != 0 { return known == 2 }
        let has = processorHasAVX2 && getenv("SWISH_NO_AVX2") == nil
        _hasAVX2.store(has ? 2 : 1, ordering: .relaxed)  // two threads racing here store the same value
        return has
    }
    private static let _hasAVX2 = Atomic<UInt8>(0)

    // MARK: Elementwise

    @inline(__always)
    package static func map(
        _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int, _ f: (Float) -> Float
    ) {
        for i in 0..<n { out[i] = f(x[i]) }
    }

    @inline(__always)
    package static func zip(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
        _ f: (Float, Float) -> Float
    ) {
        for i in 0..<n { out[i] = f(a[i], b[i]) }
    }

    package static func addInPlace(_ dst: UnsafeMutableBufferPointer<Float>, _ src: UnsafeBufferPointer<Float>) {
        let d = dst.baseAddress!, s = src.baseAddress!
        for i in 0..<Swift.min(dst.count, src.count) { d[i] += s[i] }
    }

    /// `out = f(a, b)` with `a` and `b` broadcast to `outShape` (NumPy rules). Dimensions that both inputs
    /// traverse contiguously are merged first, so the inner loop is as long as possible; the inner loop
    /// has a separate body for each of the (stride 1, stride 0) combinations.
    @inline(__always)
    package static func broadcast(
        _ a: UnsafePointer<Float>, _ aShape: Shape, _ b: UnsafePointer<Float>, _ bShape: Shape,
        _ out: UnsafeMutablePointer<Float>, _ outShape: Shape, _ f: (Float, Float) -> Float
    ) {
        let n = outShape.numel
        if n == 0 { return }
        if aShape == outShape && bShape == outShape {
            zip(a, b, out, n, f)
            return
        }
        var it = BroadcastIterator(outShape, aShape, bShape)
        let inner = it.innerCount
        let sa = it.innerStrideA, sb = it.innerStrideB
        var o = out
        while let (pa, pb) = it.next() {
            let x = a + pa, y = b + pb
            if sa == 1 && sb == 1 {
                for i in 0..<inner { o[i] = f(x[i], y[i]) }
            } else if sa == 1 {
                let v = y[0]
                for i in 0..<inner { o[i] = f(x[i], v) }
            } else if sb == 1 {
                let u = x[0]
                for i in 0..<inner { o[i] = f(u, y[i]) }
            } else {
                let r = f(x[0], y[0])
                for i in 0..<inner { o[i] = r }
            }
            o += inner
        }
    }

    // MARK: Reductions

    /// Sum of `n` contiguous floats with 32 partial sums (vectorizes and keeps the rounding error low,
    /// like PyTorch's cascade sum).
    package static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var i = 0
        let raw = UnsafeRawPointer(x)
        while i + 32 <= n {
            a0 += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            a1 += raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
            a2 += raw.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD8<Float>.self)
            a3 += raw.loadUnaligned(fromByteOffset: (i + 24) * 4, as: SIMD8<Float>.self)
            i += 32
        }
        var tail: Float = 0
        while i < n {
            tail += x[i]
            i += 1
        }
        return ((a0 + a1) + (a2 + a3)).sum() + tail
    }

    /// Sums `x`, viewed as [outer, n, inner], over the middle dimension into `out` [outer, inner].
    package static func sumMiddle(
        _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, outer: Int, n: Int, inner: Int
    ) {
        guard outer > 0, inner > 0 else { return }  // an empty `out`: no loop over the other side's size
        if inner == 1 {
            for o in 0..<outer { out[o] = sum(x + o * n, n) }
            return
        }
        for o in 0..<outer {
            let dst = out + o * inner
            dst.initialize(repeating: 0, count: inner)
            for j in 0..<n {
                let src = x + (o * n + j) * inner
                for i in 0..<inner { dst[i] += src[i] }
            }
        }
    }
}

/// Walks the outer positions of a broadcast, giving the element offsets into `a` and `b` at the start of
/// each run of the (merged) innermost dimension.
package struct BroadcastIterator {
    // At most Shape.maxRank dims, kept inline: a broadcast op makes no heap allocation to walk.
    private var sizes = InlineArray<8, Int>(repeating: 0)
    private var stridesA = InlineArray<8, Int>(repeating: 0)
    private var stridesB = InlineArray<8, Int>(repeating: 0)
    private var counter = InlineArray<8, Int>(repeating: 0)
    private var dims = 0
    private var offA = 0, offB = 0
    private var remaining: Int
    package let innerCount: Int
    package let innerStrideA: Int
    package let innerStrideB: Int

    package init(_ outShape: Shape, _ aShape: Shape, _ bShape: Shape) {
        let r = outShape.rank
        // Element strides of a and b in the output's index space (0 along broadcast dims).
        var sa = InlineArray<8, Int>(repeating: 0), sb = InlineArray<8, Int>(repeating: 0)
        var acc = 1
        for i in stride(from: aShape.rank - 1, through: 0, by: -1) {
            sa[i + r - aShape.rank] = aShape[i] == 1 ? 0 : acc
            acc *= aShape[i]
        }
        acc = 1
        for i in stride(from: bShape.rank - 1, through: 0, by: -1) {
            sb[i + r - bShape.rank] = bShape[i] == 1 ? 0 : acc
            acc *= bShape[i]
        }
        // Size-1 dims contribute nothing to the walk. Coalesce from the outside in: dim i merges into the
        // run before it when, for both inputs, the outer stride is the inner stride times the inner size.
        var cs = InlineArray<8, Int>(repeating: 0), ca = InlineArray<8, Int>(repeating: 0)
        var cb = InlineArray<8, Int>(repeating: 0)
        var n = 0
        for i in 0..<r where outShape[i] != 1 {
            let size = outShape[i]
            if n > 0, ca[n - 1] == sa[i] * size, cb[n - 1] == sb[i] * size {
                cs[n - 1] *= size
                ca[n - 1] = sa[i]
                cb[n - 1] = sb[i]
            } else {
                cs[n] = size
                ca[n] = sa[i]
                cb[n] = sb[i]
                n += 1
            }
        }
        if n == 0 {
            cs[0] = 1
            n = 1
        }
        innerCount = cs[n - 1]
        innerStrideA = ca[n - 1]
        innerStrideB = cb[n - 1]
        dims = n - 1
        var total = 1
        for d in 0..<dims {
            sizes[d] = cs[d]
            stridesA[d] = ca[d]
            stridesB[d] = cb[d]
            total *= cs[d]
        }
        remaining = total
    }

    @inline(__always)
    package mutating func next() -> (Int, Int)? {
        guard remaining > 0 else { return nil }
        remaining -= 1
        let result = (offA, offB)
        // Advance the odometer.
        var d = dims - 1
        while d >= 0 {
            counter[d] += 1
            offA += stridesA[d]
            offB += stridesB[d]
            if counter[d] < sizes[d] { break }
            offA -= stridesA[d] * sizes[d]
            offB -= stridesB[d] * sizes[d]
            counter[d] = 0
            d -= 1
        }
        return result
    }
}

extension SIMD8 where Scalar == Float {
    /// The square root of each lane as one vector instruction (see Sources/_SwishShims/include/shims.h for why
    /// not `squareRoot()`); equal to `Float.squareRoot()` lane by lane.
    @inline(__always)
    package var sqrt: SIMD8<Float> { swish_sqrt8(self) }

    /// Eight floats from `p` (any alignment).
    @inline(__always)
    package static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    package static func load(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> { load(UnsafePointer(p)) }

    /// Writes the eight lanes to `p` (any alignment).
    @inline(__always)
    package func store(to p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: SIMD8<Float>.self)
    }
}
