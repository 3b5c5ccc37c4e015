#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Swish
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

    struct Scope {
        let id: UInt64
        var handles: [OpaquePointer] = []
    }
    @exclusivity(unchecked) var scopes: [Scope] = []
    /// Grad modes saved by swish_no_grad_begin.
    @exclusivity(unchecked) var noGradStack: [Bool] = []
    /// Backing store of the string swish_tensor_str returned last.
    @exclusivity(unchecked) var lastString: UnsafeMutablePointer<CChar>? = nil

    var currentScopeID: UInt64 { scopes.last?.id ?? 0 }

    private static let local = ThreadLocal { CState() }
    static var current: CState { local.value }

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

    deinit {
        free(message)
        free(lastString)
        // A thread that exits with scopes open: release what they own.
        for s in scopes.reversed() { Registry.shared.releaseScope(s.id, handles: s.handles) }
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
