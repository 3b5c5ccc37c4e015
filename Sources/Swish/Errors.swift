/// The one error type the engine throws.
///
/// Each case carries a message written for the person who called the API. The C ABI maps the cases
/// one-to-one onto `swish_status` codes, so the order and meaning of the cases is part of the C contract.
public enum SwishError: Error, Equatable, CustomStringConvertible {
    /// An argument is out of its documented range (negative size, bad hyperparameter, bad dim).
    case invalidArgument(String)
    /// Shapes that must agree do not (broadcasting, matmul, losses, state dicts).
    case shape(String)
    /// An allocation failed or was refused by the memory limit.
    case outOfMemory(String)
    /// Reading or writing a file failed.
    case io(String)
    /// A file is not in the expected format.
    case format(String)
    /// The call is not valid in the object's current state (backward twice, uninitialized lazy parameter).
    case state(String)
    /// A user callback (custom module forward) failed.
    case callback(String)
    /// A bug in Swish itself.
    case `internal`(String)

    public var message: String {
        switch self {
        case .invalidArgument(let m), .shape(let m), .outOfMemory(let m), .io(let m), .format(let m),
            .state(let m), .callback(let m), .internal(let m):
            return m
        }
    }

    public var description: String { message }
}

/// Runs a throwing engine call from the non-throwing Swift surface, trapping with the engine's message,
/// the way `Array` traps on a bad index. The C ABI never goes through here.
@inline(__always)
@usableFromInline
func _trap<T>(_ body: () throws -> T, file: StaticString = #file, line: UInt = #line) -> T {
    do {
        return try body()
    } catch {
        fatalError("Swish: \(error)", file: file, line: line)
    }
}

extension SwishError {
    /// Any error as a `SwishError`: the engine throws nothing else, but a user callback might.
    package static func wrap(_ error: any Error) -> SwishError {
        if let e = error as? SwishError { return e }
        return .callback(String(describing: error))
    }
}
