#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Synchronization

/// Interned C strings for backward-function names, so swish_tensor_grad_fn can return static storage.
enum GradFnNames {
    private static let table = Mutex<[String: UnsafeMutablePointer<CChar>]>([:])

    static func cString(_ name: String) -> UnsafePointer<CChar>? {
        table.withLock { t in
            if let p = t[name] { return UnsafePointer(p) }
            guard let p = strdup(name) else { return nil }
            t[name] = p
            return UnsafePointer(p)
        }
    }
}
