import Dispatch

extension Parallelism {
    /// Elements one thread takes at the least in ``forEachChunk(_:_:)``. Measured with Adam's update
    /// (about 0.5 ns per element with AVX2) on two cores: waking a second thread cost more than it saved
    /// at 200,704 elements (107 us on one thread, 123 us on two) and paid from a million (585 -> 393 us;
    /// 4,194,304 elements: 3.0 -> 1.9 ms).
    package static let minimumChunk = 262_144

    /// Runs `body(lo, hi)` over `0..<count` in contiguous chunks, on up to ``threads`` threads at once
    /// when `count` is large enough, else on the calling thread in one call. Chunk boundaries are
    /// multiples of 16 elements (whole cache lines), and the chunks do not overlap, so an elementwise
    /// update gives the same bits however it is cut. `body` must not throw and must only touch its chunk.
    ///
    /// Used for the optimizers' updates, which are elementwise and divide-bound: OpenBLAS's threads are
    /// idle between products, and a training step's largest single-threaded cost was the update.
    package static func forEachChunk(_ count: Int, _ body: (_ lo: Int, _ hi: Int) -> Void) {
        let parts = Swift.min(threads, count / minimumChunk)
        guard parts > 1 else {
            body(0, count)
            return
        }
        let chunk = (count / parts + 15) & ~15
        // Workers compute in the caller's floating-point mode (setFlushDenormal), so the result does not
        // depend on which thread takes which chunk.
        let mode = FloatingPointMode.current
        withoutActuallyEscaping(body) { body in
            // concurrentPerform returns only after every chunk ran, so `body` outlives its uses; the
            // chunks are disjoint, which is what makes sharing it across threads safe.
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: parts) { k in
                let lo = Swift.min(k * chunk, count), hi = k == parts - 1 ? count : Swift.min(lo + chunk, count)
                if lo < hi { mode.apply { body(lo, hi) } }
            }
        }
    }
}
