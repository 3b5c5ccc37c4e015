import Swish

// The pattern every entry point follows: look up and check each argument, call the throwing engine,
// turn any error into a status plus a thread-local message. Nothing here traps.

/// The C function's name, from `#function` ("swish_add(_:_:)" -> "swish_add").
@inline(never)
func cName(_ function: String) -> String {
    if let i = function.firstIndex(of: "(") { return String(function[..<i]) }
    return function
}

@inline(never)
func fail(_ error: any Error, _ function: String) {
    if let e = error as? SwishError {
        record(SwishError.prefixed(e, cName(function)))
    } else if let e = error as? HandleError {
        record(HandleError(status: e.status, message: "\(cName(function)): \(e.message)"))
    } else {
        record(error)
    }
}

extension SwishError {
    static func prefixed(_ e: SwishError, _ fn: String) -> SwishError {
        let m = "\(fn): \(e.message)"
        switch e {
        case .invalidArgument: return .invalidArgument(m)
        case .shape: return .shape(m)
        case .outOfMemory: return .outOfMemory(m)
        case .io: return .io(m)
        case .format: return .format(m)
        case .state: return .state(m)
        case .callback: return .callback(e.message)  // the callback's own message, unchanged
        case .internal: return .internal(m)
        }
    }
}

/// Runs `body` and returns a new tensor handle (owned by the caller or the open scope), or NULL.
@inline(__always)
func returnTensor(function: String = #function, _ body: () throws -> Tensor) -> OpaquePointer? {
    do {
        return try Registry.register(try body(), kind: .tensor)
    } catch {
        fail(error, function)
        return nil
    }
}

/// Runs `body` and returns a status code.
@inline(__always)
func returnStatus(function: String = #function, _ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return Status.ok.rawValue
    } catch {
        fail(error, function)
        return CState.current.status.rawValue
    }
}

/// Runs `body` and returns its value, or `fallback` on error.
@inline(__always)
func returnValue<T>(_ fallback: T, function: String = #function, _ body: () throws -> T) -> T {
    do {
        return try body()
    } catch {
        fail(error, function)
        return fallback
    }
}

/// Turns a registry problem with argument `name` into the error to report.
@inline(never)
func handleProblem(_ p: Registry.Problem, expected: HandleKind, _ name: String, _ h: OpaquePointer?) -> any Error {
    switch p {
    case .null:
        if CState.current.status != .ok { return Propagated() }
        return HandleError(status: .invalidArgument, message: "argument '\(name)' is NULL")
    case .garbage:
        let v = h.map { String(UInt(bitPattern: $0), radix: 16) } ?? "0"
        return HandleError(status: .invalidHandle, message: "argument '\(name)' (0x\(v)) is not a Swish \(expected) handle")
    case .freed:
        return HandleError(
            status: .invalidHandle, message: "argument '\(name)' is \(expected.withArticle) handle that was already freed")
    case .wrongKind(let k):
        return HandleError(status: .invalidHandle, message: "argument '\(name)' is \(k.withArticle) handle, expected \(expected.withArticle)")
    }
}

/// The object behind argument `name`, a handle of `kind` to a `T`.
@inline(__always)
func handleArg<T: AnyObject>(_ h: OpaquePointer?, _ kind: HandleKind, _ name: String, as: T.Type) throws -> T {
    do {
        // The registry holds only objects of the class its kind stands for.
        return unsafeDowncast(try Registry.object(h, kind: kind), to: T.self)
    } catch {
        throw handleProblem(error, expected: kind, name, h)
    }
}

@inline(__always)
func tensorArg(_ h: OpaquePointer?, _ name: String) throws -> Tensor {
    try handleArg(h, .tensor, name, as: Tensor.self)
}

@inline(__always)
func generatorArg(_ h: OpaquePointer?, _ name: String) throws -> Generator? {
    guard h != nil else { return nil }  // NULL means the default generator
    return try handleArg(h, .generator, name, as: Generator.self)
}

/// A shape from a C array of int64 sizes.
func shapeArg(_ dims: UnsafePointer<Int64>?, _ ndim: Int, _ name: String = "shape") throws -> Shape {
    guard ndim >= 0, ndim <= Shape.maxRank else {
        // ndim is a C size_t: report SIZE_MAX as itself, not as -1.
        throw SwishError.invalidArgument(
            "a tensor has at most \(Shape.maxRank) dimensions, got \(UInt(bitPattern: ndim))")
    }
    guard ndim == 0 || dims != nil else { throw SwishError.invalidArgument("argument '\(name)' is NULL") }
    var list: [Int] = []
    list.reserveCapacity(ndim)
    for i in 0..<ndim { list.append(Int(dims![i])) }
    return try Shape.validated(list)
}

/// A list of int64 dims that may contain -1 (for reshape).
func dimsArg(_ dims: UnsafePointer<Int64>?, _ ndim: Int, _ name: String = "shape") throws -> [Int] {
    guard ndim >= 0, ndim <= Shape.maxRank else {
        // ndim is a C size_t: report SIZE_MAX as itself, not as -1.
        throw SwishError.invalidArgument(
            "a tensor has at most \(Shape.maxRank) dimensions, got \(UInt(bitPattern: ndim))")
    }
    guard ndim == 0 || dims != nil else { throw SwishError.invalidArgument("argument '\(name)' is NULL") }
    return (0..<ndim).map { Int(dims![$0]) }
}

/// Checks that a C buffer pointer is not NULL when it must be read or written.
func bufferArg<T>(_ p: UnsafePointer<T>?, _ count: Int, _ name: String) throws -> UnsafePointer<T>? {
    guard count == 0 || p != nil else { throw SwishError.invalidArgument("argument '\(name)' is NULL") }
    return p
}
