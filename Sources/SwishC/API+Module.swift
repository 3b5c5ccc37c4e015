#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Swish

// Modules, parameters and state dicts: constructors, forward, custom modules with a C forward, the module
// tree, named parameters and state dicts as `swish_state_dict` handles.

// MARK: Handle kinds introduced here

@inline(__always)
func moduleArg(_ h: OpaquePointer?, _ name: String) throws -> Module {
    try handleArg(h, .module, name, as: Module.self)
}

/// Runs `body` and returns a new module handle owned by the caller (module handles belong to no scope).
@inline(__always)
func returnModule(function: String = #function, _ body: () throws -> Module) -> OpaquePointer? {
    do {
        return try Registry.register(try body(), kind: .module, scoped: false)
    } catch {
        fail(error, function)
        return nil
    }
}

/// What a `swish_state_dict` handle refers to: a state dict (an ordered list of named tensors) plus the C
/// copies of the names handed out, which live as long as the handle's object.
final class StateDictBox {
    var dict: StateDict
    private var cNames: [String: UnsafeMutablePointer<CChar>] = [:]

    init(_ dict: StateDict) { self.dict = dict }

    /// A C copy of `key`, owned by this box.
    func cName(_ key: String) throws -> UnsafePointer<CChar> {
        if let p = cNames[key] { return UnsafePointer(p) }
        guard let p = strdup(key) else { throw SwishError.outOfMemory("could not copy the name '\(key)'") }
        cNames[key] = p
        return UnsafePointer(p)
    }

    deinit { for p in cNames.values { free(p) } }
}

@inline(__always)
func stateDictArg(_ h: OpaquePointer?, _ name: String) throws -> StateDictBox {
    try handleArg(h, .stateDict, name, as: StateDictBox.self)
}

/// Runs `body` and returns a new state dict handle owned by the caller (state dicts belong to no scope).
@inline(__always)
func returnStateDict(function: String = #function, _ body: () throws -> StateDict) -> OpaquePointer? {
    do {
        return try Registry.register(StateDictBox(try body()), kind: .stateDict, scoped: false)
    } catch {
        fail(error, function)
        return nil
    }
}

/// A C string argument that must not be NULL.
func stringArg(_ s: UnsafePointer<CChar>?, _ name: String) throws -> String {
    guard let s else { throw SwishError.invalidArgument("argument '\(name)' is NULL") }
    return String(cString: s)
}

/// An index into a list of `count` entries; negative counts from the end.
func indexArg(_ i: Int64, count: Int, _ what: String) throws -> Int {
    guard i >= -Int64(count) && i < Int64(count) else {
        throw SwishError.invalidArgument("index \(i) is out of range (\(what) has \(count) entries)")
    }
    return Int(i < 0 ? i + Int64(count) : i)
}

// MARK: Constructors

@_cdecl("swish_linear_new")
public func swish_linear_new(
    _ inFeatures: Int64, _ outFeatures: Int64, _ bias: Bool, _ gen: OpaquePointer?
) -> OpaquePointer? {
    returnModule {
        let generator = try generatorArg(gen, "gen")
        return try Linear._make(
            inFeatures: Int(inFeatures), outFeatures: Int(outFeatures), bias: bias, generator: generator)
    }
}

@_cdecl("swish_lazy_linear_new")
public func swish_lazy_linear_new(_ outFeatures: Int64, _ bias: Bool, _ gen: OpaquePointer?) -> OpaquePointer? {
    returnModule {
        try LazyLinear._makeLazy(outFeatures: Int(outFeatures), bias: bias, generator: try generatorArg(gen, "gen"))
    }
}

@_cdecl("swish_sequential_new")
public func swish_sequential_new(_ modules: UnsafePointer<OpaquePointer?>?, _ count: Int) -> OpaquePointer? {
    returnModule {
        guard count >= 0 else { throw SwishError.invalidArgument("count is negative") }
        guard count == 0 || modules != nil else { throw SwishError.invalidArgument("argument 'modules' is NULL") }
        var list: [Module] = []
        for i in 0..<count { list.append(try moduleArg(modules![i], "modules[\(i)]")) }
        return Sequential(list)
    }
}

@_cdecl("swish_sequential_append")
public func swish_sequential_append(_ seq: OpaquePointer?, _ module: OpaquePointer?) -> Int32 {
    returnStatus {
        let s = try moduleArg(seq, "seq")
        let m = try moduleArg(module, "module")
        guard let sequential = s as? Sequential else {
            throw SwishError.invalidArgument("argument 'seq' is a \(s.typeName), not a Sequential")
        }
        try sequential._append(m)
    }
}

@_cdecl("swish_relu_new")
public func swish_relu_new() -> OpaquePointer? { returnModule { ReLU() } }

@_cdecl("swish_leaky_relu_new")
public func swish_leaky_relu_new(_ slope: Float) -> OpaquePointer? {
    returnModule { try LeakyReLU._make(negativeSlope: slope) }
}

@_cdecl("swish_sigmoid_new")
public func swish_sigmoid_new() -> OpaquePointer? { returnModule { Sigmoid() } }

@_cdecl("swish_tanh_new")
public func swish_tanh_new() -> OpaquePointer? { returnModule { Tanh() } }

@_cdecl("swish_gelu_new")
public func swish_gelu_new(_ approximate: UnsafePointer<CChar>?) -> OpaquePointer? {
    returnModule {
        switch approximate.map({ String(cString: $0) }) {
        case nil, "none": return GELU(approximate: .none)
        case "tanh": return GELU(approximate: .tanh)
        case let other?: throw SwishError.invalidArgument("approximate must be \"none\" or \"tanh\", got \"\(other)\"")
        }
    }
}

@_cdecl("swish_silu_new")
public func swish_silu_new() -> OpaquePointer? { returnModule { SiLU() } }

@_cdecl("swish_flatten_new")
public func swish_flatten_new(_ start: Int64, _ end: Int64) -> OpaquePointer? {
    returnModule { Flatten(startDim: Int(start), endDim: Int(end)) }
}

@_cdecl("swish_identity_new")
public func swish_identity_new() -> OpaquePointer? { returnModule { Identity() } }

@_cdecl("swish_module_free")
public func swish_module_free(_ m: OpaquePointer?) -> Int32 {
    guard let m else { return Status.ok.rawValue }
    return returnStatus {
        if let p = Registry.release(m, kind: .module) { throw handleProblem(p, expected: .module, "m", m) }
    }
}

// MARK: Custom modules

public typealias ForwardCallback = @convention(c) (OpaquePointer?, OpaquePointer?, UnsafeMutableRawPointer?) ->
    OpaquePointer?
public typealias DestroyCallback = @convention(c) (UnsafeMutableRawPointer?) -> Void
public typealias ApplyCallback = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32

/// Runs a C callback inside a scope of its own, so the tensor handles it creates are freed when it returns,
/// and with this thread's last error cleared, so a failure inside it can be told from one before it.
/// `body` gets to look at the callback's result before the scope closes; the caller's last error is
/// restored when the callback succeeded.
private func withCallbackScope<R>(_ body: () throws -> R, succeeded: (R) -> Bool) throws -> (
    result: R, status: Status, message: String?
) {
    let state = CState.current
    // The caller's error is set aside as it is, its C string moved rather than copied (the common case,
    // no error, costs nothing); whichever way this returns, `saved` owns that string until it is put back.
    var saved = state.takeError()
    defer { free(saved.message) }
    let scopeID = state.beginScope()
    let result: R
    do {
        result = try body()
    } catch {
        _ = closeScope(scopeID, state)
        throw error
    }
    let status = state.status
    let message = state.message.map { String(cString: $0) }
    guard closeScope(scopeID, state) else {
        throw SwishError.callback("a callback ended a scope it did not open (swish_scope_end without swish_scope_begin)")
    }
    if succeeded(result) {
        state.restoreError(saved)
        saved.message = nil
    }
    return (result, status, message)
}

/// Ends the scope `id` and any scope a callback opened inside it without closing; false if `id` is gone.
private func closeScope(_ id: UInt64, _ state: CState) -> Bool {
    guard let position = state.scopes.lastIndex(where: { $0.id == id }) else { return false }
    while state.scopes.count > position { state.endScope() }
    return true
}

/// The error for a callback that failed: its own message if it set one with swish_set_callback_error,
/// else the error of the call that failed inside it.
private func callbackError(_ what: String, status: Status, message: String?) -> SwishError {
    switch status {
    case .callback: return .callback(message ?? "\(what) failed")
    case .ok: return .callback("\(what) returned NULL without reporting an error (a callback reports one with swish_set_callback_error)")
    default: return .callback("\(what) failed: \(message ?? "unknown error")")
    }
}

/// A module whose forward is a C function (`swish_module_new_custom`).
final class CustomModule: Module {
    let name: String
    let forwardFn: ForwardCallback
    let userdata: UnsafeMutableRawPointer?
    /// Set once the module's handle exists: if creating it fails, the caller keeps its userdata.
    var destroy: DestroyCallback? = nil

    init(name: String, forward: @escaping ForwardCallback, userdata: UnsafeMutableRawPointer?) {
        self.name = name
        self.forwardFn = forward
        self.userdata = userdata
        super.init()
    }

    deinit { destroy?(userdata) }

    override var typeName: String { name }

    override func forward(_ input: Tensor) throws -> Tensor {
        let selfHandle = try Registry.register(self, kind: .module, scoped: false)
        defer { _ = Registry.release(selfHandle, kind: .module) }
        var output: Tensor? = nil
        var badHandle: (any Error)? = nil
        let (returned, status, message) = try withCallbackScope({ () throws -> OpaquePointer? in
            let x = try Registry.register(input, kind: .tensor)  // freed with the callback's scope
            guard let r = forwardFn(selfHandle, x, userdata) else { return nil }
            // Take the tensor before the scope frees its handle.
            do {
                output = try handleArg(r, .tensor, "the returned tensor", as: Tensor.self)
            } catch {
                badHandle = error
            }
            return r
        }, succeeded: { _ in output != nil })
        if let output { return output }
        if returned != nil, let badHandle {
            let detail = (badHandle as? HandleError)?.message ?? "not a live tensor handle"
            throw SwishError.callback("the forward callback of custom module '\(name)' returned a bad handle: \(detail)")
        }
        throw callbackError("the forward callback of custom module '\(name)'", status: status, message: message)
    }
}

@_cdecl("swish_module_new_custom")
public func swish_module_new_custom(
    _ typeName: UnsafePointer<CChar>?, _ forward: ForwardCallback?, _ userdata: UnsafeMutableRawPointer?,
    _ destroy: DestroyCallback?
) -> OpaquePointer? {
    var module: CustomModule? = nil
    let handle = returnModule {
        let name = try stringArg(typeName, "type_name")
        guard !name.isEmpty else { throw SwishError.invalidArgument("argument 'type_name' is empty") }
        guard let forward else { throw SwishError.invalidArgument("argument 'forward' is NULL") }
        module = CustomModule(name: name, forward: forward, userdata: userdata)
        return module!
    }
    if handle != nil { module?.destroy = destroy }
    return handle
}

@_cdecl("swish_set_callback_error")
public func swish_set_callback_error(_ message: UnsafePointer<CChar>?) {
    CState.current.set(.callback, message.map { String(cString: $0) } ?? "callback failed")
}

// MARK: Forward

@_cdecl("swish_forward")
public func swish_forward(_ m: OpaquePointer?, _ input: OpaquePointer?) -> OpaquePointer? {
    returnTensor {
        let module = try moduleArg(m, "m")
        return try module.forward(try tensorArg(input, "input"))
    }
}

@_cdecl("swish_linear")
public func swish_linear(_ x: OpaquePointer?, _ w: OpaquePointer?, _ b: OpaquePointer?) -> OpaquePointer? {
    returnTensor {
        try Tensor._linear(try tensorArg(x, "x"), try tensorArg(w, "weight"), b == nil ? nil : try tensorArg(b, "bias"))
    }
}

// MARK: The module tree

@_cdecl("swish_module_type_name")
public func swish_module_type_name(_ m: OpaquePointer?) -> UnsafePointer<CChar>? {
    // Type names are few and fixed by code: interned in the same table as backward-function names.
    returnValue(nil) { GradFnNames.cString(try moduleArg(m, "m").typeName) }
}

@_cdecl("swish_module_num_children")
public func swish_module_num_children(_ m: OpaquePointer?) -> Int64 {
    returnValue(-1) { Int64(try moduleArg(m, "m")._children.count) }
}

@_cdecl("swish_module_child")
public func swish_module_child(_ m: OpaquePointer?, _ index: Int64) -> OpaquePointer? {
    returnModule {
        let module = try moduleArg(m, "m")
        return try module._child(at: Int(clamping: index))
    }
}

@_cdecl("swish_module_child_name")
public func swish_module_child_name(_ m: OpaquePointer?, _ index: Int64) -> UnsafePointer<CChar>? {
    returnValue(nil) {
        let children = try moduleArg(m, "m")._children
        return GradFnNames.cString(children[try indexArg(index, count: children.count, "the module's children")].name)
    }
}

@_cdecl("swish_module_child_by_name")
public func swish_module_child_by_name(_ m: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> OpaquePointer? {
    returnModule { try moduleArg(m, "m")._submodule(try stringArg(path, "path")) }
}

@_cdecl("swish_module_train")
public func swish_module_train(_ m: OpaquePointer?, _ mode: Bool) -> Int32 {
    returnStatus { try moduleArg(m, "m").train(mode) }
}

@_cdecl("swish_module_eval")
public func swish_module_eval(_ m: OpaquePointer?) -> Int32 { returnStatus { try moduleArg(m, "m").eval() } }

@_cdecl("swish_module_is_training")
public func swish_module_is_training(_ m: OpaquePointer?) -> Int32 {
    returnValue(-1) { try moduleArg(m, "m").training ? 1 : 0 }
}

@_cdecl("swish_module_zero_grad")
public func swish_module_zero_grad(_ m: OpaquePointer?) -> Int32 { returnStatus { try moduleArg(m, "m").zeroGrad() } }

@_cdecl("swish_module_apply")
public func swish_module_apply(
    _ m: OpaquePointer?, _ fn: ApplyCallback?, _ userdata: UnsafeMutableRawPointer?
) -> Int32 {
    returnStatus {
        let root = try moduleArg(m, "m")
        guard let fn else { throw SwishError.invalidArgument("argument 'fn' is NULL") }
        try root.apply { module in
            let handle = try Registry.register(module, kind: .module, scoped: false)
            defer { _ = Registry.release(handle, kind: .module) }
            let (code, status, message) = try withCallbackScope({ fn(handle, userdata) }, succeeded: { $0 == 0 })
            if code != 0 {
                if status == .ok {
                    let name = String(cString: swish_status_string(code))
                    throw SwishError.callback("the apply callback returned \(name) for a \(module.typeName)")
                }
                throw callbackError("the apply callback on a \(module.typeName)", status: status, message: message)
            }
        }
    }
}

@_cdecl("swish_module_str")
public func swish_module_str(_ m: OpaquePointer?) -> UnsafePointer<CChar>? {
    returnValue(nil) {
        let s = try moduleArg(m, "m").description
        let state = CState.current
        free(state.lastModuleString)
        state.lastModuleString = strdup(s)
        guard let p = state.lastModuleString else { throw SwishError.outOfMemory("could not allocate the string") }
        return UnsafePointer(p)
    }
}

@_cdecl("swish_module_print")
public func swish_module_print(_ m: OpaquePointer?) -> Int32 {
    returnStatus { print(try moduleArg(m, "m").description) }
}

// MARK: Registration

@_cdecl("swish_module_register_parameter")
public func swish_module_register_parameter(
    _ m: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ t: OpaquePointer?
) -> Int32 {
    returnStatus {
        let module = try moduleArg(m, "m")
        try module._registerParameter(try stringArg(name, "name"), try tensorArg(t, "t"))
    }
}

@_cdecl("swish_module_register_buffer")
public func swish_module_register_buffer(
    _ m: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ t: OpaquePointer?, _ persistent: Bool
) -> Int32 {
    returnStatus {
        let module = try moduleArg(m, "m")
        try module._registerBuffer(try stringArg(name, "name"), try tensorArg(t, "t"), persistent: persistent)
    }
}

@_cdecl("swish_module_register_child")
public func swish_module_register_child(
    _ m: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ child: OpaquePointer?
) -> Int32 {
    returnStatus {
        let module = try moduleArg(m, "m")
        try module._registerModule(try stringArg(name, "name"), try moduleArg(child, "child"))
    }
}

// MARK: Parameters, buffers and state dicts

@_cdecl("swish_module_param")
public func swish_module_param(_ m: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> OpaquePointer? {
    returnTensor { try moduleArg(m, "m")._parameter(try stringArg(path, "path")) }
}

@_cdecl("swish_module_buffer")
public func swish_module_buffer(_ m: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> OpaquePointer? {
    returnTensor { try moduleArg(m, "m")._buffer(try stringArg(path, "path")) }
}

@_cdecl("swish_module_named_parameters")
public func swish_module_named_parameters(_ m: OpaquePointer?) -> OpaquePointer? {
    returnStateDict { StateDict(try moduleArg(m, "m")._namedParameters().map { ($0.name, $0.parameter) }) }
}

@_cdecl("swish_module_named_buffers")
public func swish_module_named_buffers(_ m: OpaquePointer?) -> OpaquePointer? {
    returnStateDict { StateDict(try moduleArg(m, "m").namedBuffers().map { ($0.name, $0.buffer) }) }
}

@_cdecl("swish_module_state_dict")
public func swish_module_state_dict(_ m: OpaquePointer?) -> OpaquePointer? {
    returnStateDict { try moduleArg(m, "m")._stateDict() }
}

@_cdecl("swish_module_load_state_dict")
public func swish_module_load_state_dict(
    _ m: OpaquePointer?, _ sd: OpaquePointer?, _ strict: Bool, _ missingOut: UnsafeMutablePointer<OpaquePointer?>?,
    _ unexpectedOut: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    missingOut?.pointee = nil
    unexpectedOut?.pointee = nil
    return returnStatus {
        let module = try moduleArg(m, "m")
        let source = try stateDictArg(sd, "sd").dict
        let result = try module._loadStateDict(source, strict: strict)
        try reportIncompatibleKeys(result, of: module, source: source, missingOut, unexpectedOut)
    }
}

/// Hands the keys a load did not match to a C caller as new state dicts (owned by the caller), for the
/// out-parameters that are not NULL: missing keys with the module's current tensor (an empty tensor for
/// an uninitialized lazy parameter), unexpected keys with the tensor of `source`.
func reportIncompatibleKeys(
    _ result: IncompatibleKeys, of module: Module, source: StateDict,
    _ missingOut: UnsafeMutablePointer<OpaquePointer?>?, _ unexpectedOut: UnsafeMutablePointer<OpaquePointer?>?
) throws {
    if let missingOut {
        let missing = try result.missingKeys.map { key -> (String, Tensor) in
            let t = (try? module._parameter(key)) ?? (try? module._buffer(key))
            return (key, try t ?? Tensor._full([0], 0))
        }
        missingOut.pointee = try Registry.register(
            StateDictBox(StateDict(missing)), kind: .stateDict, scoped: false)
    }
    if let unexpectedOut {
        let unexpected = try result.unexpectedKeys.map { key -> (String, Tensor) in
            guard let t = source[key] else { throw SwishError.internal("unexpected key '\(key)' is not in the state dict") }
            return (key, t)
        }
        unexpectedOut.pointee = try Registry.register(
            StateDictBox(StateDict(unexpected)), kind: .stateDict, scoped: false)
    }
}

@_cdecl("swish_state_dict_new")
public func swish_state_dict_new() -> OpaquePointer? { returnStateDict { StateDict() } }

@_cdecl("swish_state_dict_free")
public func swish_state_dict_free(_ sd: OpaquePointer?) -> Int32 {
    guard let sd else { return Status.ok.rawValue }
    return returnStatus {
        if let p = Registry.release(sd, kind: .stateDict) {
            throw handleProblem(p, expected: .stateDict, "sd", sd)
        }
    }
}

@_cdecl("swish_state_dict_size")
public func swish_state_dict_size(_ sd: OpaquePointer?) -> Int64 {
    returnValue(-1) { Int64(try stateDictArg(sd, "sd").dict.count) }
}

@_cdecl("swish_state_dict_name")
public func swish_state_dict_name(_ sd: OpaquePointer?, _ index: Int64) -> UnsafePointer<CChar>? {
    returnValue(nil) {
        let box = try stateDictArg(sd, "sd")
        return try box.cName(box.dict.keys[try indexArg(index, count: box.dict.count, "the state dict")])
    }
}

@_cdecl("swish_state_dict_tensor")
public func swish_state_dict_tensor(_ sd: OpaquePointer?, _ index: Int64) -> OpaquePointer? {
    returnTensor {
        let box = try stateDictArg(sd, "sd")
        return box.dict.values[try indexArg(index, count: box.dict.count, "the state dict")]
    }
}

@_cdecl("swish_state_dict_get")
public func swish_state_dict_get(_ sd: OpaquePointer?, _ name: UnsafePointer<CChar>?) -> OpaquePointer? {
    returnTensor {
        let box = try stateDictArg(sd, "sd")
        let key = try stringArg(name, "name")
        guard let t = box.dict[key] else { throw SwishError.invalidArgument("the state dict has no key '\(key)'") }
        return t
    }
}

@_cdecl("swish_state_dict_contains")
public func swish_state_dict_contains(_ sd: OpaquePointer?, _ name: UnsafePointer<CChar>?) -> Int32 {
    returnValue(-1) { try stateDictArg(sd, "sd").dict[try stringArg(name, "name")] != nil ? 1 : 0 }
}

@_cdecl("swish_state_dict_set")
public func swish_state_dict_set(_ sd: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ t: OpaquePointer?) -> Int32 {
    returnStatus {
        let box = try stateDictArg(sd, "sd")
        let key = try stringArg(name, "name")
        box.dict[key] = try tensorArg(t, "t")
    }
}

@_cdecl("swish_state_dict_remove")
public func swish_state_dict_remove(_ sd: OpaquePointer?, _ name: UnsafePointer<CChar>?) -> Int32 {
    returnStatus {
        let box = try stateDictArg(sd, "sd")
        let key = try stringArg(name, "name")
        guard box.dict.removeValue(forKey: key) != nil else {
            throw SwishError.invalidArgument("the state dict has no key '\(key)'")
        }
    }
}
