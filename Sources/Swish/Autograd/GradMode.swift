/// Whether operations are recorded for autograd on this thread (PyTorch's grad mode, also per thread).
public enum GradMode {
    final class State: ThreadLocalValue {
        @exclusivity(unchecked) var enabled = true
        init() {}
    }
    static let state = ThreadLocal<State>()

    /// True unless a ``withNoGrad(_:)`` block or ``GradMode/set(_:)`` turned recording off on this thread.
    public static var isEnabled: Bool {
        // Without a retain and release of the state: asked for every op that might be recorded.
        state.withValue { $0.enabled }
    }

    /// Turns recording on or off on this thread and returns the previous setting.
    @discardableResult
    public static func set(_ enabled: Bool) -> Bool {
        let s = state.value
        let old = s.enabled
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
