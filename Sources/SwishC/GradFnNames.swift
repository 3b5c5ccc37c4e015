#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Swish

/// Interned C strings for backward-function names, so swish_tensor_grad_fn can return static storage for
/// a name that is not a string literal's bytes (every name is now; this is the fallback).
enum GradFnNames {
    // A pthread mutex (Swish's `Lock`), not Synchronization.Mutex: ThreadSanitizer intercepts pthread
    // locks but not Mutex's futex, so it reported every first lookup from two C threads as a race.
    private static let lock = Lock()
    nonisolated(unsafe) private static var table: [String: UnsafeMutablePointer<CChar>] = [:]

    static func cString(_ name: String) -> UnsafePointer<CChar>? {
        lock.withLock {
            if let p = table[name] { return UnsafePointer(p) }
            guard let p = strdup(name) else { return nil }
            table[name] = p
            return UnsafePointer(p)
        }
    }
}
