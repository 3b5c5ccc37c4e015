#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One object of type `Value` per thread, created on first use and released when the thread exits.
///
/// Built on a pthread key because Swift has no thread-local storage class; reading it costs one
/// `pthread_getspecific`.
package final class ThreadLocal<Value: AnyObject>: @unchecked Sendable {
    // A `let`: a class's `var` is read through a dynamic exclusivity check (swift_beginAccess), and
    // this one is read for every tensor allocated and freed.
    private let key: pthread_key_t
    private let make: @Sendable () -> Value

    package init(_ make: @escaping @Sendable () -> Value) {
        self.make = make
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { raw in
            #if canImport(Darwin)
                Unmanaged<AnyObject>.fromOpaque(raw).release()
            #else
                if let raw { Unmanaged<AnyObject>.fromOpaque(raw).release() }
            #endif
        }
        precondition(rc == 0, "Swish: pthread_key_create failed")
        self.key = key
    }

    package var value: Value {
        if let raw = pthread_getspecific(key) {
            return Unmanaged<Value>.fromOpaque(raw).takeUnretainedValue()
        }
        let v = make()
        pthread_setspecific(key, Unmanaged.passRetained(v as AnyObject).toOpaque())
        return v
    }

    /// Calls `body` with this thread's object without retaining it for the call (the thread's key holds
    /// it). For the hottest users: a retain and a release are two atomic operations, and the block cache
    /// is asked for every tensor allocated and freed.
    @inline(__always)
    package func withValue<R>(_ body: (Value) -> R) -> R {
        if let raw = pthread_getspecific(key) {
            return Unmanaged<Value>.fromOpaque(raw)._withUnsafeGuaranteedRef(body)
        }
        return body(value)
    }
}
