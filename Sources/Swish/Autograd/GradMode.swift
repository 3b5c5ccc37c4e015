import Synchronization

/// Whether operations are recorded for autograd on this thread (PyTorch's grad mode, also per thread).
public enum GradMode {
    final class State: ThreadLocalValue {
        @exclusivity(unchecked) var enabled = true
        init() {}
        deinit { if !enabled { GradMode.disabledThreads.subtract(1, ordering: .relaxed) } }  // thread exit
    }
    static let state = ThreadLocal<State>(.gradMode)

    /// How many threads have recording off. While none has (the usual case), asking costs one load
    /// instead of a thread-local lookup (every op on tensors that require grad asks). Relaxed is enough: a
    /// thread that turned its own recording off sees its own increment, and another thread's count never
    /// changes this thread's answer.
    static let disabledThreads = Atomic<Int>(0)

    /// True unless a ``withNoGrad(_:)`` block or ``GradMode/set(_:)`` turned recording off on this thread.
    public static var isEnabled: Bool {
        if disabledThreads.load(ordering: .relaxed) == 0 { return true }
        // Without a retain and release of the state.
        return state.withValue { $0.enabled }
    }

    /// Turns recording on or off on this thread and returns the previous setting.
    @discardableResult
    public static func set(_ enabled: Bool) -> Bool {
        let s = state.value
        let old = s.enabled
        if old != enabled { disabledThreads.add(enabled ? -1 : 1, ordering: .relaxed) }
        s.enabled = enabled
        return old
    }
}

/// Runs `body` with autograd recording off on this thread (PyTorch's `with torch.no_grad():`).
///
/// ```swift
/// withNoGrad { w.data[0, 0] = 100 }
/// ```
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    let old = GradMode.set(false)
    defer { GradMode.set(old) }
    return try body()
}
