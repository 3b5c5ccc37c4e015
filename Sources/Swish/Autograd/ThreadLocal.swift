#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Synchronization
import _SwishShims

/// A class whose instances a ``ThreadLocal`` makes, one per thread.
package protocol ThreadLocalValue: AnyObject {
    init()
}

/// The engine's per-thread objects, one slot each in C's thread-local storage (`swish_thread_slots`,
/// _SwishShims/include/shims.h): reading one is a load, where `pthread_getspecific` was a call into libc
/// for every tensor made and freed (the block cache) and every tensor a C call returns (the C layer's
/// state).
package enum ThreadSlot: Int32, CaseIterable {
    case blockCache = 0  // swish_thread_slot_block_cache
    case gradMode = 1  // swish_thread_slot_grad_mode
    case cState = 2  // swish_thread_slot_c_state

    /// The calling thread's object in this slot, unretained; nil before the thread stored one.
    @inlinable @inline(__always)
    package var object: UnsafeMutableRawPointer? { swish_thread_slot_get(rawValue) }
}

/// One object of type `Value` per thread, in its ``ThreadSlot``, created on first use and released when
/// the thread exits.
package struct ThreadLocal<Value: ThreadLocalValue>: Sendable {
    private let slot: ThreadSlot

    package init(_ slot: ThreadSlot) { self.slot = slot }

    /// This thread's object.
    package var value: Value { withValue { $0 } }

    /// Calls `body` with this thread's object without retaining it for the call (the thread's slot holds
    /// it): a retain and a release are two atomic operations, and the hottest users ask for every tensor.
    @inline(__always)
    package func withValue<R>(_ body: (Value) -> R) -> R {
        if let raw = slot.object { return Unmanaged<Value>.fromOpaque(raw)._withUnsafeGuaranteedRef(body) }
        return body(makeValue())
    }

    /// Makes the calling thread's object.
    @inline(never)
    private func makeValue() -> Value {
        let value = Value()
        storeThreadObject(value, in: slot)
        return value
    }
}

/// Makes `object` the calling thread's object in `slot` (empty on this thread), retained until the thread
/// exits. Shared by ``ThreadLocal`` and the C layer's per-thread state, which reads its slot inline.
package func storeThreadObject(_ object: AnyObject, in slot: ThreadSlot) {
    swish_thread_slot_set(slot.rawValue, Unmanaged.passRetained(object).toOpaque())
    ThreadExit.arm()
}

/// Releases a thread's objects when it exits: C's thread-local storage runs no destructors, so a pthread
/// key with a destructor does, its value on each thread set (to a marker) once that thread stored an
/// object.
private enum ThreadExit {
    /// The pthread key plus one; 0 until the first thread stores an object. An atomic with a constant
    /// initial value, so reading it goes through no swift_once.
    private static let keyPlusOne = Atomic<UInt>(0)

    static func arm() {
        let key = pthread_key_t(self.key())
        if pthread_getspecific(key) == nil {
            pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1))
        }
    }

    private static func key() -> UInt {
        let k = keyPlusOne.load(ordering: .acquiring)
        if k != 0 { return k - 1 }
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { _ in ThreadExit.releaseObjects() }
        precondition(rc == 0, "Swish: pthread_key_create failed")
        let (won, current) = keyPlusOne.compareExchange(
            expected: 0, desired: UInt(key) + 1, ordering: .acquiringAndReleasing)
        if won { return UInt(key) }
        pthread_key_delete(key)  // another thread made the key first
        return current - 1
    }

    /// Releases the exiting thread's objects, the last slot first, so the C layer's state goes before the
    /// block cache its scopes' tensors go back to as they are freed. An object's deinit may make another
    /// one (a tensor freed after the block cache went makes a new cache), so this runs until every slot
    /// stays empty.
    private static func releaseObjects() {
        var released = true
        while released {
            released = false
            for slot in ThreadSlot.allCases.reversed() {
                guard let raw = slot.object else { continue }
                swish_thread_slot_set(slot.rawValue, nil)
                Unmanaged<AnyObject>.fromOpaque(raw).release()
                released = true
            }
        }
    }
}
