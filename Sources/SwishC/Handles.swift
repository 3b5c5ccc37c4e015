#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Swish
import Synchronization

/// What a C handle refers to. The raw value is part of each handle's bits, so a handle of one kind
/// passed where another is expected is caught without touching the object.
enum HandleKind: UInt64, CustomStringConvertible {
    case tensor = 1
    case module = 2
    case optimizer = 3
    case generator = 4
    case stateDict = 5

    var description: String {
        switch self {
        case .tensor: "tensor"
        case .module: "module"
        case .optimizer: "optimizer"
        case .generator: "generator"
        case .stateDict: "state dict"
        }
    }

    /// "a tensor", "an optimizer".
    var withArticle: String { (description.first.map { "aeiou".contains($0) } ?? false ? "an " : "a ") + description }
}

/// The registry of live C handles.
///
/// A handle is not a pointer to the object: it is a 64-bit value `magic | kind | generation | index`
/// naming a slot in this table. Looking one up never dereferences what the caller passed, so NULL, a freed
/// handle (its slot's generation has moved on), a handle of another kind and a random value are all
/// reported as `SWISH_ERR_INVALID_HANDLE` instead of crashing. A stale handle could only alias a new one
/// after 2^24 reuses of the same slot.
///
/// Each handle is one owned reference: freeing it releases that reference, and the object lives on while
/// other handles or containers (a Sequential, an optimizer) still hold it.
///
/// All of it is static, with constant initial values: the compiler initializes it when the library is
/// loaded, so using it costs no `swift_once` call (a `static let shared = Registry()` did, on every C call).
enum Registry {
    private static let magic: UInt64 = 0x5A1 << 52
    private static let magicMask: UInt64 = 0xFFF << 52
    private static let indexBits: UInt64 = 24
    private static let generationBits: UInt64 = 24
    private static let generationMask: UInt32 = (1 << 24) - 1
    private static let maxSlots = 1 << 24

    struct Slot {
        var generation: UInt32 = 0
        /// A free slot's successor in the free list (-1: the last).
        var nextFree: Int32 = -1
        /// nil: the slot is free.
        var kind: HandleKind? = nil
        var object: AnyObject? = nil
        /// The scope that frees this handle at its end (0: owned by the caller).
        var scope: UInt64 = 0
    }

    /// The slots, in storage of our own rather than an array: every access is under the lock already,
    /// and an array added a uniqueness and a bounds check to each. Freed slots are chained through
    /// `nextFree` and reused last-freed first.
    struct Table {
        /// nil until the first handle (`count` is 0 until then, so nothing reads it).
        var slots: UnsafeMutablePointer<Slot>? = nil
        var capacity = 0
        var count = 0
        var firstFree: Int32 = -1
        var live = 0
    }

    // Every access to `t` is between `lock()` and `unlock()`: a lock of our own, one atomic
    // compare-and-swap to take it and one store to give it back, inlined. Every C call takes it once or
    // twice (looking up its arguments, registering its result), and pthread_mutex_lock and _unlock,
    // called through the PLT, were 4% of a small training step (chimera_fwd_bwd, scripts/profile.sh).
    // Sections are short (a slot read or written; a scope's end walks its handles), so a thread that
    // finds the lock taken yields the processor and retries, then sleeps 50 us between retries if that
    // goes on. Acquire and release orderings, which ThreadSanitizer follows (it does not follow
    // Synchronization.Mutex's futex, and reported races through it).
    private static let locked = Atomic<Bool>(false)
    nonisolated(unsafe) private static var t = Table()

    @inline(__always) private static func lock() {
        if locked.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged { return }
        lockContended()
    }

    @inline(never) private static func lockContended() {
        var attempts = 0
        while true {
            if !locked.load(ordering: .relaxed),
                locked.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
            {
                return
            }
            attempts += 1
            if attempts < 100 { _ = sched_yield() } else { usleep(50) }
        }
    }

    @inline(__always) private static func unlock() { locked.store(false, ordering: .releasing) }

    private static func encode(index: Int, generation: UInt32, kind: HandleKind) -> OpaquePointer {
        let v =
            magic | (kind.rawValue << (indexBits + generationBits))
            | (UInt64(generation & generationMask) << indexBits) | UInt64(index)
        return OpaquePointer(bitPattern: UInt(v))!
    }

    @inline(__always)
    private static func decode(_ h: OpaquePointer) -> (index: Int, generation: UInt32, kind: UInt64)? {
        let v = UInt64(UInt(bitPattern: h))
        guard v & magicMask == magic else { return nil }
        let index = Int(v & ((1 << indexBits) - 1))
        let generation = UInt32((v >> indexBits) & ((1 << generationBits) - 1))
        let kind = (v >> (indexBits + generationBits)) & 0xF
        return (index, generation, kind)
    }

    /// Registers `object` and returns a new handle owned by the caller, or by this thread's innermost
    /// scope when one is open and `scoped` is true.
    ///
    /// `object` is consumed: the caller's reference moves into the table (a reference copied in and the
    /// caller's released after were two atomic operations per tensor a C call returns).
    static func register(_ object: consuming AnyObject, kind: HandleKind, scoped: Bool = true) throws -> OpaquePointer {
        guard scoped else { return try insert(object, kind, scope: 0) }
        let state = CState.unmanagedCurrent
        let scope = state._withUnsafeGuaranteedRef { $0.currentScopeID }
        let handle = try insert(object, kind, scope: scope)
        if scope != 0 { state._withUnsafeGuaranteedRef { $0.scopeHandles.append(handle) } }
        return handle
    }

    /// Puts `object` in a free slot owned by `scope` and returns its handle.
    @inline(__always)
    private static func insert(_ object: consuming AnyObject, _ kind: HandleKind, scope: UInt64) throws -> OpaquePointer {
        lock()
        let index: Int
        if t.firstFree >= 0 {
            index = Int(t.firstFree)
            t.firstFree = t.slots![index].nextFree
        } else if t.count < Registry.maxSlots {
            if t.count == t.capacity { grow() }
            index = t.count
            (t.slots! + index).initialize(to: Slot())
            t.count += 1
        } else {
            unlock()
            throw SwishError.outOfMemory("too many live handles (\(Registry.maxSlots)); free or scope some")
        }
        let slot = t.slots! + index
        slot.pointee.kind = kind
        slot.pointee.object = consume object
        slot.pointee.scope = scope
        let generation = slot.pointee.generation
        t.live += 1
        unlock()
        return Registry.encode(index: index, generation: generation, kind: kind)
    }

    /// Doubles the storage. Called with the lock held.
    @inline(never)
    private static func grow() {
        let capacity = Swift.min(Swift.max(64, t.capacity * 2), Registry.maxSlots)
        let slots = UnsafeMutablePointer<Slot>.allocate(capacity: capacity)
        if let old = t.slots {
            slots.moveInitialize(from: old, count: t.count)
            old.deallocate()
        }
        t.slots = slots
        t.capacity = capacity
    }

    enum Problem: Error {
        case null
        case garbage
        case freed
        case wrongKind(HandleKind)
    }

    /// The slot index of `h` if it is a live handle of `kind`, else nil. Called with the lock held.
    @inline(__always)
    private static func liveIndex(_ h: OpaquePointer, _ kind: HandleKind) -> Int? {
        guard let (index, generation, k) = Registry.decode(h), index < t.count else { return nil }
        let slot = t.slots! + index
        // The kind bits must be those of `kind`, and so the slot's: other bits make a forged value.
        guard slot.pointee.generation & Registry.generationMask == generation, slot.pointee.kind == kind,
            k == kind.rawValue
        else { return nil }
        return index
    }

    /// What is wrong with `h`, which `liveIndex` did not accept. Called with the lock held.
    @inline(never)
    private static func problem(_ h: OpaquePointer, _ kind: HandleKind) -> Problem {
        guard let (index, generation, k) = Registry.decode(h), index < t.count else { return .garbage }
        let slot = t.slots![index]
        guard slot.generation & Registry.generationMask == generation, let sk = slot.kind else { return .freed }
        // Kind bits other than those the slot's handle was issued with: a forged value, not a handle.
        guard k == sk.rawValue else { return .garbage }
        guard sk == kind else { return .wrongKind(sk) }
        return .garbage  // not reached: liveIndex accepts such a handle
    }

    /// The object behind a live handle of `kind`, or what is wrong with the handle.
    @inline(__always)
    static func object(_ h: OpaquePointer?, kind: HandleKind) throws(Problem) -> AnyObject {
        guard let h else { throw .null }
        lock()
        guard let index = liveIndex(h, kind) else {
            let p = problem(h, kind)
            unlock()
            throw p
        }
        let object = t.slots![index].object!
        unlock()
        return object
    }

    /// Frees slot `index`: moves its object out (the caller releases it outside the lock, its deinit may
    /// free other things) and moves its generation on, so later uses of the handle are detected. Called
    /// with the lock held.
    @inline(__always)
    private static func free(_ index: Int) -> AnyObject? {
        let slot = t.slots! + index
        let object = slot.pointee.object.take()
        slot.pointee.kind = nil
        slot.pointee.scope = 0
        slot.pointee.generation &+= 1
        slot.pointee.nextFree = t.firstFree
        t.firstFree = Int32(index)
        t.live -= 1
        return object
    }

    /// Releases the handle: its slot is freed and its generation moves on, so later uses are detected.
    static func release(_ h: OpaquePointer, kind: HandleKind) -> Problem? {
        lock()
        guard let index = liveIndex(h, kind) else {
            let p = problem(h, kind)
            unlock()
            return p
        }
        let released = free(index)
        unlock()
        withExtendedLifetime(released) {}
        return nil
    }

    /// Frees every handle in `handles` that is still live and still owned by `scope`, and appends their
    /// objects to `released`: the caller releases them, outside the lock (their deinits may free other things).
    static func releaseScope(_ scope: UInt64, handles: UnsafeBufferPointer<OpaquePointer>, into released: inout [AnyObject]) {
        lock()
        for h in handles {
            guard let (index, generation, _) = Registry.decode(h), index < t.count else { continue }
            let slot = t.slots! + index
            guard slot.pointee.generation & Registry.generationMask == generation, slot.pointee.kind != nil,
                slot.pointee.scope == scope
            else { continue }
            if let o = free(index) { released.append(consume o) }  // moved in: no retain and release
        }
        unlock()
    }

    /// Moves a live handle out of any scope: the caller owns it from now on.
    static func unscope(_ h: OpaquePointer) {
        guard let (index, generation, _) = Registry.decode(h) else { return }
        lock()
        if index < t.count, t.slots![index].generation & Registry.generationMask == generation, t.slots![index].kind != nil {
            t.slots![index].scope = 0
        }
        unlock()
    }

    /// Number of live handles (for leak tests).
    static var liveCount: Int {
        lock()
        defer { unlock() }
        return t.live
    }
}
