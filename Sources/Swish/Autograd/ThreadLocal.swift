#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Synchronization

/// A class whose instances a ``ThreadLocal`` makes, one per thread.
package protocol ThreadLocalValue: AnyObject {
    init()
}

/// One object of type `Value` per thread, created on first use and released when the thread exits.
///
/// Built on a pthread key because Swift has no thread-local storage class; reading it costs one
/// `pthread_getspecific`. Declare it as a `static let`: its only field is an atomic with a constant
/// initial value, so the compiler initializes such a global when the library is loaded, and reading it
/// costs a load. (A global holding anything made at run time is initialized lazily instead, and every read
/// of it goes through `swift_once`: the block cache is read for every tensor allocated and freed, grad mode
/// for every op.) The pthread key is made by the first use.
package struct ThreadLocal<Value: ThreadLocalValue>: ~Copyable, Sendable {
    /// The pthread key plus one; 0 until the first use (``storeThreadObject(_:key:)``).
    private let keyPlusOne = Atomic<UInt>(0)

    package init() {}

    /// This thread's object.
    package var value: Value { withValue { $0 } }

    /// Calls `body` with this thread's object without retaining it for the call (the thread's key holds
    /// it): a retain and a release are two atomic operations, and the hottest users ask for every tensor.
    @inline(__always)
    package func withValue<R>(_ body: (Value) -> R) -> R {
        let k = keyPlusOne.load(ordering: .acquiring)
        if k != 0, let raw = pthread_getspecific(pthread_key_t(k - 1)) {
            return Unmanaged<Value>.fromOpaque(raw)._withUnsafeGuaranteedRef(body)
        }
        return body(makeValue())
    }

    /// Makes the calling thread's object.
    @inline(never)
    private func makeValue() -> Value {
        let value = Value()
        storeThreadObject(value, key: keyPlusOne)
        return value
    }
}

/// Makes `object` the calling thread's value of the pthread key `keyPlusOne` holds (plus one), retained
/// until the thread exits; makes the key first, and stores it there, if no thread has yet. The key's
/// value on this thread must be empty. Shared by ``ThreadLocal`` and the C layer's per-thread state,
/// which keeps its key the same way (an atomic with a constant initial value) but reads it inline.
package func storeThreadObject(_ object: AnyObject, key keyPlusOne: borrowing Atomic<UInt>) {
    var k = keyPlusOne.load(ordering: .acquiring)
    if k == 0 {
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { raw in
            #if canImport(Darwin)
                Unmanaged<AnyObject>.fromOpaque(raw).release()
            #else
                if let raw { Unmanaged<AnyObject>.fromOpaque(raw).release() }
            #endif
        }
        precondition(rc == 0, "Swish: pthread_key_create failed")
        let (won, current) = keyPlusOne.compareExchange(
            expected: 0, desired: UInt(key) + 1, ordering: .acquiringAndReleasing)
        if won {
            k = UInt(key) + 1
        } else {  // another thread made the key first
            pthread_key_delete(key)
            k = current
        }
    }
    pthread_setspecific(pthread_key_t(k - 1), Unmanaged.passRetained(object).toOpaque())
}
