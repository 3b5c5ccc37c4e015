import Swish

// Optimizers over an explicit list of parameters, gradient clipping and learning-rate schedules.
//
// The option structs are plain C structs declared in include/swish.h. @_cdecl cannot name C struct types
// that Swift does not import, so the shims read and write their fields at the offsets the C ABI gives
// them (all fields 4 bytes, bools last), listed next to each struct below.

@inline(__always)
func optimizerArg(_ h: OpaquePointer?, _ name: String = "opt") throws -> Optimizer {
    switch Registry.shared.object(h, kind: .optimizer) {
    case .success(let o): return unsafeDowncast(o, to: Optimizer.self)
    case .failure(let p): throw handleProblem(p, expected: .optimizer, name, h)
    }
}

/// The tensors of a C array of `n` parameter handles.
private func parameterList(_ params: UnsafePointer<OpaquePointer?>?, _ n: Int) throws -> [Tensor] {
    guard n >= 0 else { throw SwishError.invalidArgument("n is negative") }
    guard n > 0 else { throw SwishError.invalidArgument("optimizer got an empty parameter list (n is 0)") }
    guard let params else { throw SwishError.invalidArgument("argument 'params' is NULL") }
    return try (0..<n).map { try tensorArg(params[$0], "params[\($0)]") }
}

/// Registers a new optimizer handle owned by the caller (never by a scope).
private func returnOptimizer(function: String = #function, _ body: () throws -> Optimizer) -> OpaquePointer? {
    do {
        return try Registry.shared.register(try body(), kind: .optimizer, scoped: false)
    } catch {
        fail(error, function)
        return nil
    }
}

/// Reads and writes the fields of an option struct by byte offset.
private struct COptions {
    let raw: UnsafeMutableRawPointer
    func float(_ offset: Int) -> Float { raw.load(fromByteOffset: offset, as: Float.self) }
    func bool(_ offset: Int) -> Bool { raw.load(fromByteOffset: offset, as: UInt8.self) != 0 }
    func set(_ offset: Int, _ v: Float) { raw.storeBytes(of: v, toByteOffset: offset, as: Float.self) }
    func set(_ offset: Int, _ v: Bool) { raw.storeBytes(of: v ? 1 : 0, toByteOffset: offset, as: UInt8.self) }
}

private func optionsArg(_ p: UnsafeMutableRawPointer?) throws -> COptions {
    guard let p else { throw SwishError.invalidArgument("argument 'opts' is NULL") }
    return COptions(raw: p)
}

// swish_sgd_options: lr 0, momentum 4, dampening 8, weight_decay 12, nesterov 16 (bool).
@_cdecl("swish_sgd_options_default")
public func swish_sgd_options_default(_ opts: UnsafeMutableRawPointer?) -> Int32 {
    returnStatus {
        let o = try optionsArg(opts)
        o.set(0, Float(1e-3))
        o.set(4, Float(0))
        o.set(8, Float(0))
        o.set(12, Float(0))
        o.set(16, false)
    }
}

@_cdecl("swish_sgd_new")
public func swish_sgd_new(
    _ params: UnsafePointer<OpaquePointer?>?, _ n: Int, _ opts: UnsafeMutableRawPointer?
) -> OpaquePointer? {
    returnOptimizer {
        let list = try parameterList(params, n)
        guard let opts else { return try SGD(list) }
        let o = COptions(raw: opts)
        return try SGD(
            list, learningRate: o.float(0), momentum: o.float(4), dampening: o.float(8), weightDecay: o.float(12),
            nesterov: o.bool(16))
    }
}

// swish_adam_options (Adam and AdamW): lr 0, beta1 4, beta2 8, eps 12, weight_decay 16, amsgrad 20 (bool).
private func adamDefaults(_ opts: UnsafeMutableRawPointer?, weightDecay: Float) throws {
    let o = try optionsArg(opts)
    o.set(0, Float(1e-3))
    o.set(4, Float(0.9))
    o.set(8, Float(0.999))
    o.set(12, Float(1e-8))
    o.set(16, weightDecay)
    o.set(20, false)
}

@_cdecl("swish_adam_options_default")
public func swish_adam_options_default(_ opts: UnsafeMutableRawPointer?) -> Int32 {
    returnStatus { try adamDefaults(opts, weightDecay: 0) }
}

@_cdecl("swish_adamw_options_default")
public func swish_adamw_options_default(_ opts: UnsafeMutableRawPointer?) -> Int32 {
    returnStatus { try adamDefaults(opts, weightDecay: 1e-2) }
}

@_cdecl("swish_adam_new")
public func swish_adam_new(
    _ params: UnsafePointer<OpaquePointer?>?, _ n: Int, _ opts: UnsafeMutableRawPointer?
) -> OpaquePointer? {
    returnOptimizer {
        let list = try parameterList(params, n)
        guard let opts else { return try Adam(list) }
        let o = COptions(raw: opts)
        return try Adam(
            list, learningRate: o.float(0), betas: (o.float(4), o.float(8)), eps: o.float(12),
            weightDecay: o.float(16), amsgrad: o.bool(20))
    }
}

@_cdecl("swish_adamw_new")
public func swish_adamw_new(
    _ params: UnsafePointer<OpaquePointer?>?, _ n: Int, _ opts: UnsafeMutableRawPointer?
) -> OpaquePointer? {
    returnOptimizer {
        let list = try parameterList(params, n)
        guard let opts else { return try AdamW(list) }
        let o = COptions(raw: opts)
        return try AdamW(
            list, learningRate: o.float(0), betas: (o.float(4), o.float(8)), eps: o.float(12),
            weightDecay: o.float(16), amsgrad: o.bool(20))
    }
}

// swish_yogi_options: lr 0, beta1 4, beta2 8, eps 12, initial_accumulator 16, weight_decay 20.
@_cdecl("swish_yogi_options_default")
public func swish_yogi_options_default(_ opts: UnsafeMutableRawPointer?) -> Int32 {
    returnStatus {
        let o = try optionsArg(opts)
        o.set(0, Float(1e-2))
        o.set(4, Float(0.9))
        o.set(8, Float(0.999))
        o.set(12, Float(1e-3))
        o.set(16, Float(1e-6))
        o.set(20, Float(0))
    }
}

@_cdecl("swish_yogi_new")
public func swish_yogi_new(
    _ params: UnsafePointer<OpaquePointer?>?, _ n: Int, _ opts: UnsafeMutableRawPointer?
) -> OpaquePointer? {
    returnOptimizer {
        let list = try parameterList(params, n)
        guard let opts else { return try Yogi(list) }
        let o = COptions(raw: opts)
        return try Yogi(
            list, learningRate: o.float(0), betas: (o.float(4), o.float(8)), eps: o.float(12),
            initialAccumulator: o.float(16), weightDecay: o.float(20))
    }
}

// Optimizers over a module's parameters (phase 2, with the module API) belong here: each collects the
// module's parameters the way parameterList does and calls the same Swift initializer.

// MARK: Using an optimizer

@_cdecl("swish_optimizer_step")
public func swish_optimizer_step(_ opt: OpaquePointer?) -> Int32 {
    returnStatus {
        let o = try optimizerArg(opt)
        // PyTorch's step() silently does nothing here; a C caller gets told (and nothing changed).
        guard try o._step() > 0 else {
            throw SwishError.state(
                "no parameter has a gradient (call swish_backward() before swish_optimizer_step()); nothing was changed")
        }
    }
}

@_cdecl("swish_optimizer_zero_grad")
public func swish_optimizer_zero_grad(_ opt: OpaquePointer?) -> Int32 {
    returnStatus { try optimizerArg(opt).zeroGrad() }
}

@_cdecl("swish_optimizer_get_lr")
public func swish_optimizer_get_lr(_ opt: OpaquePointer?) -> Float {
    returnValue(Float.nan) { try optimizerArg(opt).learningRate }
}

@_cdecl("swish_optimizer_set_lr")
public func swish_optimizer_set_lr(_ opt: OpaquePointer?, _ lr: Float) -> Int32 {
    returnStatus { try optimizerArg(opt)._setLearningRate(lr) }
}

@_cdecl("swish_optimizer_num_params")
public func swish_optimizer_num_params(_ opt: OpaquePointer?) -> Int64 {
    returnValue(-1) { Int64(try optimizerArg(opt).parameters.count) }
}

@_cdecl("swish_optimizer_free")
public func swish_optimizer_free(_ opt: OpaquePointer?) -> Int32 {
    guard let opt else { return Status.ok.rawValue }
    return returnStatus {
        if let p = Registry.shared.release(opt, kind: .optimizer) { throw handleProblem(p, expected: .optimizer, "opt", opt) }
    }
}

// MARK: Gradient clipping and schedules

@_cdecl("swish_clip_grad_norm")
public func swish_clip_grad_norm(
    _ params: UnsafePointer<OpaquePointer?>?, _ n: Int, _ maxNorm: Float, _ normType: Float,
    _ totalNorm: UnsafeMutablePointer<Float>?
) -> Int32 {
    returnStatus {
        guard n >= 0 else { throw SwishError.invalidArgument("n is negative") }
        guard n == 0 || params != nil else { throw SwishError.invalidArgument("argument 'params' is NULL") }
        let list = try (0..<n).map { try tensorArg(params![$0], "params[\($0)]") }
        let total = try Tensor._clipGradNorm(list, maxNorm: maxNorm, normType: normType)
        totalNorm?.pointee = total
    }
}

@_cdecl("swish_optimizer_clip_grad_norm")
public func swish_optimizer_clip_grad_norm(
    _ opt: OpaquePointer?, _ maxNorm: Float, _ normType: Float, _ totalNorm: UnsafeMutablePointer<Float>?
) -> Int32 {
    returnStatus {
        let total = try Tensor._clipGradNorm(try optimizerArg(opt).parameters, maxNorm: maxNorm, normType: normType)
        totalNorm?.pointee = total
    }
}

@_cdecl("swish_lr_step")
public func swish_lr_step(_ baseLR: Float, _ epoch: Int64, _ stepSize: Int64, _ gamma: Float) -> Float {
    returnValue(Float.nan) {
        guard let e = Int(exactly: epoch), let s = Int(exactly: stepSize) else { throw SwishError.invalidArgument("out of range") }
        return try StepLR(baseLR: baseLR, stepSize: s, gamma: gamma).learningRate(epoch: e)
    }
}

@_cdecl("swish_lr_cosine")
public func swish_lr_cosine(_ baseLR: Float, _ epoch: Int64, _ tMax: Int64, _ etaMin: Float) -> Float {
    returnValue(Float.nan) {
        guard let e = Int(exactly: epoch), let t = Int(exactly: tMax) else { throw SwishError.invalidArgument("out of range") }
        return try CosineAnnealingLR(baseLR: baseLR, tMax: t, etaMin: etaMin).learningRate(epoch: e)
    }
}
