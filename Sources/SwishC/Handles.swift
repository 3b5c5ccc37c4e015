#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Swish

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
final class Registry: @unchecked Sendable {
    static let shared = Registry()

    private static let magic: UInt64 = 0x5A1 << 52
    private static let magicMask: UInt64 = 0xFFF << 52
    private static let indexBits: UInt64 = 24
    private static let generationBits: UInt64 = 24
    private static let maxSlots = 1 << 24

    struct Slot {
        var generation: UInt32 = 0
        var kind: HandleKind? = nil
        var object: AnyObject? = nil
        /// The scope that frees this handle at its end (0: owned by the caller).
        var scope: UInt64 = 0
    }

    struct Table {
        var slots: ContiguousArray<Slot> = []
        var free: [Int32] = []
        var live = 0
    }

    // A pthread mutex locked and unlocked right here rather than the engine's `Lock`: `Lock.withLock` is
    // generic and cannot be inlined outside the engine, so every lookup went through an unspecialized
    // call and a closure, more than the mutex itself costs. pthread (not Synchronization.Mutex) so that
    // ThreadSanitizer sees it. Every access to `t` is between `lock()` and `unlock()`.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @exclusivity(unchecked) private var t = Table()

    private init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    @inline(__always) private func lock() { pthread_mutex_lock(mutex) }
    @inline(__always) private func unlock() { pthread_mutex_unlock(mutex) }

    private static func encode(index: Int, generation: UInt32, kind: HandleKind) -> OpaquePointer {
        let v =
            magic | (kind.rawValue << (indexBits + generationBits))
            | (UInt64(generation & 0xFF_FFFF) << indexBits) | UInt64(index)
        return OpaquePointer(bitPattern: UInt(v))!
    }


    /// Registers `object` and returns a new handle owned by the caller, or by this thread's innermost
    /// scope when one is open and `scoped` is true.
    func register(_ object: AnyObject, kind: HandleKind, scoped: Bool = true) throws -> OpaquePointer {
        let state = CState.current
        let scope = scoped ? state.currentScopeID : 0
        lock()
        let index: Int
        if let i = t.free.popLast() {
            index = Int(i)
        } else if t.slots.count < Registry.maxSlots {
            t.slots.append(Slot())
            index = t.slots.count - 1
        } else {
            unlock()
            throw SwishError.outOfMemory("too many live handles (\(Registry.maxSlots)); free or scope some")
        }
        let generation = t.slots[index].generation
        t.slots[index] = Slot(generation: generation, kind: kind, object: object, scope: scope)
        t.live += 1
        unlock()
        let handle = Registry.encode(index: index, generation: generation, kind: kind)
        if scope != 0 { state.scopeHandles.append(handle) }
        return handle
    }

    enum Problem: Error {
        case null
        case garbage
        case freed
        case wrongKind(HandleKind)
    }

    private func decode(_ h: OpaquePointer) -> (index: Int, generation: UInt32, kind: UInt64)? {
        let v = UInt64(UInt(bitPattern: h))
        guard v & Registry.magicMask == Registry.magic else { return nil }
        let index = Int(v & ((1 << Registry.indexBits) - 1))
        let generation = UInt32((v >> Registry.indexBits) & ((1 << Registry.generationBits) - 1))
        let kind = (v >> (Registry.indexBits + Registry.generationBits)) & 0xF
        return (index, generation, kind)
    }

    /// What is wrong with the handle at `index` of `kind` bits `k` and `generation`, or nil if it is a live
    /// handle of `kind`. Called with the lock held.
    @inline(__always)
    private func check(_ index: Int, _ generation: UInt32, _ k: UInt64, _ kind: HandleKind) -> Problem? {
        guard index < t.slots.count else { return .garbage }
        let slot = t.slots[index]
        guard slot.generation & 0xFF_FFFF == generation, let sk = slot.kind, slot.object != nil else { return .freed }
        // Kind bits other than those the slot's handle was issued with: a forged value, not a handle.
        guard k == sk.rawValue else { return .garbage }
        guard sk == kind else { return .wrongKind(sk) }
        return nil
    }

    /// The object behind a live handle of `kind`, or what is wrong with the handle.
    func object(_ h: OpaquePointer?, kind: HandleKind) -> Result<AnyObject, Problem> {
        guard let h else { return .failure(.null) }
        guard let (index, generation, k) = decode(h) else { return .failure(.garbage) }
        lock()
        defer { unlock() }
        if let problem = check(index, generation, k, kind) { return .failure(problem) }
        return .success(t.slots[index].object!)
    }

    /// Releases the handle: its slot is freed and its generation moves on, so later uses are detected.
    /// The object is released outside the lock (its deinit may free other things).
    func release(_ h: OpaquePointer, kind: HandleKind) -> Problem? {
        guard let (index, generation, k) = decode(h) else { return .garbage }
        lock()
        if let problem = check(index, generation, k, kind) {
            unlock()
            return problem
        }
        let released = t.slots[index].object
        t.slots[index] = Slot(generation: t.slots[index].generation &+ 1)
        t.free.append(Int32(index))
        t.live -= 1
        unlock()
        withExtendedLifetime(released) {}
        return nil
    }

    /// Frees every handle in `handles` that is still live and still owned by `scope`, and appends their
    /// objects to `released`: the caller releases them, outside the lock (their deinits may free other things).
    func releaseScope(_ scope: UInt64, handles: UnsafeBufferPointer<OpaquePointer>, into released: inout [AnyObject]) {
        lock()
        for h in handles {
            guard let (index, generation, _) = decode(h), index < t.slots.count else { continue }
            let slot = t.slots[index]
            guard slot.generation & 0xFF_FFFF == generation, slot.kind != nil, slot.scope == scope else { continue }
            if let o = slot.object { released.append(o) }
            t.slots[index] = Slot(generation: slot.generation &+ 1)
            t.free.append(Int32(index))
            t.live -= 1
        }
        unlock()
    }

    /// Moves a live handle out of any scope: the caller owns it from now on.
    func unscope(_ h: OpaquePointer) {
        guard let (index, generation, _) = decode(h) else { return }
        lock()
        if index < t.slots.count, t.slots[index].generation & 0xFF_FFFF == generation, t.slots[index].kind != nil {
            t.slots[index].scope = 0
        }
        unlock()
    }

    /// Number of live handles (for leak tests).
    var liveCount: Int {
        lock()
        defer { unlock() }
        return t.live
    }
}
