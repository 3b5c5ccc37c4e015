import _SwishShims

/// Flushes subnormal floats to zero on the calling thread, or stops doing so (PyTorch's
/// `torch.set_flush_denormal(mode)`); returns whether this processor supports it and the mode was set.
///
/// Off by default, as in PyTorch: arithmetic follows IEEE 754, subnormal numbers included. With it on,
/// subnormal results and inputs count as zero (x86-64: MXCSR flush-to-zero and denormals-are-zero;
/// AArch64: FPCR.FZ). Why a program turns it on: processors take a slow path for subnormal operands,
/// and training produces them, for instance in Adam's state for a parameter whose gradient stays 0 (a
/// dead ReLU unit): its moving averages decay into the subnormal range and stay there, and every later
/// step pays for it (docs/performance.md has the figures; PyTorch computes the same values the same way).
///
/// The mode belongs to the calling thread, like PyTorch's. Swish's own worker threads (a large
/// optimizer update split over threads) take the mode of the thread that made the call; OpenBLAS's
/// threads keep their own, so a large product split over them may round subnormal values differently.
///
/// ```swift
/// setFlushDenormal(true)      // true on x86-64 and AArch64
/// Tensor([1e-40]).scalars     // [1e-40]: storing a value is not arithmetic
/// (Tensor([1e-40]) * 1).item() // 0
/// ```
@discardableResult
public func setFlushDenormal(_ on: Bool) -> Bool {
    guard swish_fp_flush_supported() else { return false }
    let control = swish_fp_control_get()
    swish_fp_control_set(on ? control | swish_fp_flush_bits : control & ~swish_fp_flush_bits)
    return true
}

/// Whether the calling thread flushes subnormal floats to zero (``setFlushDenormal(_:)``).
public var flushesDenormal: Bool {
    swish_fp_flush_supported() && swish_fp_control_get() & swish_fp_flush_bits == swish_fp_flush_bits
}

/// The calling thread's floating-point control word, for running work on other threads in the same mode.
package struct FloatingPointMode {
    let control: UInt32

    /// The calling thread's mode.
    package static var current: FloatingPointMode { FloatingPointMode(control: swish_fp_control_get()) }

    /// Runs `body` on the calling thread in this mode, then restores the thread's own.
    @inline(__always)
    package func apply(_ body: () -> Void) {
        let own = swish_fp_control_get()
        if own == control { return body() }
        swish_fp_control_set(control)
        body()
        swish_fp_control_set(own)
    }
}
