#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Swish
import _SwishShims
import Synchronization

/// Status codes; the values are the C enum `swish_status`.
enum Status: Int32 {
    case ok = 0
    case invalidArgument = 1
    case invalidHandle = 2
    case shape = 3
    case outOfMemory = 4
    case io = 5
    case format = 6
    case state = 7
    case callback = 8
    case `internal` = 9

    init(_ e: SwishError) {
        switch e {
        case .invalidArgument: self = .invalidArgument
        case .shape: self = .shape
        case .outOfMemory: self = .outOfMemory
        case .io: self = .io
        case .format: self = .format
        case .state: self = .state
        case .callback: self = .callback
        case .internal: self = .internal
        }
    }
}

/// What the C ABI keeps per thread: the last error and the stack of open scopes.
final class CState {
    @exclusivity(unchecked) var status: Status = .ok
    /// The last error's message, owned here (a C string valid until the next error on this thread).
    @exclusivity(unchecked) var message: UnsafeMutablePointer<CChar>? = nil

    /// An open scope: its id and where its handles start in `scopeHandles`.
    struct Scope {
        let id: UInt64
        let start: Int
    }
    @exclusivity(unchecked) private(set) var scopes: [Scope] = [] { didSet { currentScopeID = scopes.last?.id ?? 0 } }
    /// The handles of all open scopes, the innermost scope's last. One array for every scope, so its
    /// capacity is kept from one scope to the next instead of growing from empty in each.
    @exclusivity(unchecked) var scopeHandles: [OpaquePointer] = []
    /// Storage for the objects a scope's end releases, kept for the same reason.
    @exclusivity(unchecked) private var released: [AnyObject] = []
    /// Capacity (entries) the two arrays above keep once empty: enough for the scopes of a training step,
    /// while a thread that once had a huge scope does not hold its storage forever.
    private static let keptCapacity = 4096
    /// Grad modes saved by swish_no_grad_begin.
    @exclusivity(unchecked) var noGradStack: [Bool] = []
    /// Backing store of the string swish_tensor_str returned last.
    @exclusivity(unchecked) var lastString: UnsafeMutablePointer<CChar>? = nil
    /// Backing store of the string swish_module_str returned last.
    @exclusivity(unchecked) var lastModuleString: UnsafeMutablePointer<CChar>? = nil

    /// The innermost open scope's id, 0 when none is open. Kept beside `scopes` because every tensor a C
    /// call returns asks, where reading the array's last element was a dependent load or two more.
    @exclusivity(unchecked) private(set) var currentScopeID: UInt64 = 0

    /// Opens a scope on this thread and returns its id.
    @discardableResult
    func beginScope() -> UInt64 {
        let id = CState.newScopeID()
        scopes.append(Scope(id: id, start: scopeHandles.count))
        return id
    }

    /// Ends the innermost open scope: frees the handles it still owns.
    func endScope() {
        let scope = scopes.removeLast()
        var objects: [AnyObject] = []
        swap(&objects, &released)
        scopeHandles.withUnsafeBufferPointer {
            Registry.releaseScope(scope.id, handles: UnsafeBufferPointer(rebasing: $0[scope.start...]), into: &objects)
        }
        if scope.start == 0 && scopeHandles.capacity > CState.keptCapacity {
            scopeHandles = []
        } else {
            scopeHandles.removeLast(scopeHandles.count - scope.start)
        }
        // The objects' deinits run here, with this thread's state consistent again: they may call the C API
        // (a custom module's destroy callback), even end scopes of their own, which then use fresh storage.
        objects.removeAll(keepingCapacity: objects.capacity <= CState.keptCapacity)
        swap(&objects, &released)
    }

    /// This thread's state, created on first use and released when the thread exits.
    static var current: CState { unmanagedCurrent.takeUnretainedValue() }

    /// This thread's state, not retained: the thread holds it until it exits.
    @inline(__always)
    static var unmanagedCurrent: Unmanaged<CState> {
        // The slot read inline: the engine's generic ThreadLocal cannot be specialized or inlined outside
        // the engine, and every tensor a C call returns asks (to find the open scope).
        guard let raw = swish_thread_slot_get(Int32(swish_thread_slot_c_state)) else {
            return Unmanaged.passUnretained(makeCurrent())
        }
        return Unmanaged<CState>.fromOpaque(raw)
    }

    /// Runs `body` on this thread's state without retaining it: the thread holds it until it exits.
    @inline(__always)
    static func withCurrent<R>(_ body: (CState) throws -> R) rethrows -> R {
        try unmanagedCurrent._withUnsafeGuaranteedRef(body)
    }

    @inline(never)
    private static func makeCurrent() -> CState {
        let state = CState()
        storeThreadObject(state, in: .cState)
        return state
    }

    private static let nextScope = Atomic<UInt64>(1)
    static func newScopeID() -> UInt64 { nextScope.add(1, ordering: .relaxed).oldValue }

    func set(_ status: Status, _ text: String) {
        self.status = status
        free(message)
        message = strdup(text.isEmpty ? "unknown error" : text)
    }

    func clear() {
        status = .ok
        free(message)
        message = nil
    }

    /// The last error, moved out: the caller owns its message. Leaves no error.
    func takeError() -> (status: Status, message: UnsafeMutablePointer<CChar>?) {
        defer { status = .ok; message = nil }
        return (status, message)
    }

    /// Makes `error` (from takeError) the last error again, taking its message over.
    func restoreError(_ error: (status: Status, message: UnsafeMutablePointer<CChar>?)) {
        free(message)
        (status, message) = error
        if status != .ok && message == nil { message = strdup("unknown error") }
    }

    deinit {
        free(message)
        free(lastString)
        free(lastModuleString)
        // A thread that exits with scopes open: release what they own.
        while !scopes.isEmpty { endScope() }
    }
}

/// Raised for a NULL argument when an earlier call on this thread already failed: the earlier error
/// stays the reported one (NULL propagation).
struct Propagated: Error {}

/// Records `error` as this thread's last error.
func record(_ error: any Error) {
    let state = CState.current
    switch error {
    case is Propagated:
        return
    case let e as SwishError:
        state.set(Status(e), e.message)
    case let e as HandleError:
        state.set(e.status, e.message)
    default:
        state.set(.internal, String(describing: error))
    }
}

/// A bad handle or argument found by the shim before the engine runs.
struct HandleError: Error {
    let status: Status
    let message: String
}
