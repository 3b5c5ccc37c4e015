import CSwish
import Swish

// Optimizers over an explicit list of parameters or over a module's parameters, gradient clipping and
// learning-rate schedules.
//
// The option structs are include/swish.h's own (imported through the CSwish module), so the shims read
// and write them by field name and the compiler keeps them in step with the header.

@inline(__always)
func optimizerArg(_ h: OpaquePointer?, _ name: String = "opt") throws -> Optimizer {
    try handleArg(h, .optimizer, name, as: Optimizer.self)
}

/// The tensors of a C array of `n` parameter handles.
private func parameterList(_ params: UnsafePointer<OpaquePointer?>?, _ n: Int) throws -> [Tensor] {
    guard n >= 0 else { throw SwishError.invalidArgument("n is negative") }
    guard n > 0 else { throw SwishError.invalidArgument("optimizer got an empty parameter list (n is 0)") }
    guard let params else { throw SwishError.invalidArgument("argument 'params' is NULL") }
    return try (0..<n).map { try tensorArg(params[$0], "params[\($0)]") }
}

/// The parameters of the module behind handle `m`, each once (named_parameters order). The optimizer
/// made from them holds the tensors themselves, so it keeps working after the module handle is freed.
private func moduleParameters(_ m: OpaquePointer?) throws -> [Tensor] {
    try Optimizer.parameters(of: try moduleArg(m, "m"))
}

/// Registers a new optimizer handle owned by the caller (never by a scope).
private func returnOptimizer(function: String = #function, _ body: () throws -> Optimizer) -> OpaquePointer? {
    do {
        return try Registry.register(try body(), kind: .optimizer, scoped: false)
    } catch {
        fail(error, function)
        return nil
    }
}

/// The options struct behind `p`, for the functions that fill one.
private func optionsArg<Options>(_ p: UnsafeMutablePointer<Options>?) throws -> UnsafeMutablePointer<Options> {
    guard let p else { throw SwishError.invalidArgument("argument 'opts' is NULL") }
    return p
}

// MARK: SGD

@_cdecl("swish_sgd_options_default")
public func swish_sgd_options_default(_ opts: UnsafeMutablePointer<swish_sgd_options>?) -> Int32 {
    returnStatus {
        try optionsArg(opts).pointee = swish_sgd_options(
            lr: 1e-3, momentum: 0, dampening: 0, weight_decay: 0, nesterov: false)
    }
}

/// SGD over `list` with the options at `opts` (NULL: the defaults).
private func makeSGD(_ list: [Tensor], _ opts: UnsafePointer<swish_sgd_options>?) throws -> SGD {
    guard let o = opts?.pointee else { return try SGD(list) }
    return try SGD(
        list, learningRate: o.lr, momentum: o.momentum, dampening: o.dampening, weightDecay: o.weight_decay,
        nesterov: o.nesterov)
}

@_cdecl("swish_sgd_new")
public func swish_sgd_new(
    _ params: UnsafePointer<OpaquePointer?>?, _ n: Int, _ opts: UnsafePointer<swish_sgd_options>?
) -> OpaquePointer? {
    returnOptimizer { try makeSGD(try parameterList(params, n), opts) }
}

@_cdecl("swish_sgd_new_module")
public func swish_sgd_new_module(_ m: OpaquePointer?, _ opts: UnsafePointer<swish_sgd_options>?) -> OpaquePointer? {
    returnOptimizer { try makeSGD(try moduleParameters(m), opts) }
}

// MARK: Adam and AdamW

private func adamDefaults(_ opts: UnsafeMutablePointer<swish_adam_options>?, weightDecay: Float) throws {
    try optionsArg(opts).pointee = swish_adam_options(
        lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: weightDecay, amsgrad: false)
}

@_cdecl("swish_adam_options_default")
public func swish_adam_options_default(_ opts: UnsafeMutablePointer<swish_adam_options>?) -> Int32 {
    returnStatus { try adamDefaults(opts, weightDecay: 0) }
}

@_cdecl("swish_adamw_options_default")
public func swish_adamw_options_default(_ opts: UnsafeMutablePointer<swish_adam_options>?) -> Int32 {
    returnStatus { try adamDefaults(opts, weightDecay: 1e-2) }
}

/// Adam, or AdamW when `decoupled`, over `list` with the options at `opts` (NULL: the defaults).
private func makeAdam(_ list: [Tensor], _ opts: UnsafePointer<swish_adam_options>?, decoupled: Bool) throws -> Adam {
    guard let o = opts?.pointee else { return decoupled ? try AdamW(list) : try Adam(list) }
    let betas = (o.beta1, o.beta2)
    return decoupled
        ? try AdamW(
            list, learningRate: o.lr, betas: betas, eps: o.eps, weightDecay: o.weight_decay, amsgrad: o.amsgrad)
        : try Adam(list, learningRate: o.lr, betas: betas, eps: o.eps, weightDecay: o.weight_decay, amsgrad: o.amsgrad)
}

@_cdecl("swish_adam_new")
public func swish_adam_new(
    _ params: UnsafePointer<OpaquePointer?>?, _ n: Int, _ opts: UnsafePointer<swish_adam_options>?
) -> OpaquePointer? {
    returnOptimizer { try makeAdam(try parameterList(params, n), opts, decoupled: false) }
}

@_cdecl("swish_adam_new_module")
public func swish_adam_new_module(_ m: OpaquePointer?, _ opts: UnsafePointer<swish_adam_options>?) -> OpaquePointer? {
    returnOptimizer { try makeAdam(try moduleParameters(m), opts, decoupled: false) }
}

@_cdecl("swish_adamw_new")
public func swish_adamw_new(
    _ params: UnsafePointer<OpaquePointer?>?, _ n: Int, _ opts: UnsafePointer<swish_adam_options>?
) -> OpaquePointer? {
    returnOptimizer { try makeAdam(try parameterList(params, n), opts, decoupled: true) }
}

@_cdecl("swish_adamw_new_module")
public func swish_adamw_new_module(_ m: OpaquePointer?, _ opts: UnsafePointer<swish_adam_options>?) -> OpaquePointer? {
    returnOptimizer { try makeAdam(try moduleParameters(m), opts, decoupled: true) }
}

// MARK: Yogi

@_cdecl("swish_yogi_options_default")
public func swish_yogi_options_default(_ opts: UnsafeMutablePointer<swish_yogi_options>?) -> Int32 {
    returnStatus {
        try optionsArg(opts).pointee = swish_yogi_options(
            lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-3, initial_accumulator: 1e-6, weight_decay: 0)
    }
}

/// Yogi over `list` with the options at `opts` (NULL: the defaults).
private func makeYogi(_ list: [Tensor], _ opts: UnsafePointer<swish_yogi_options>?) throws -> Yogi {
    guard let o = opts?.pointee else { return try Yogi(list) }
    return try Yogi(
        list, learningRate: o.lr, betas: (o.beta1, o.beta2), eps: o.eps, initialAccumulator: o.initial_accumulator,
        weightDecay: o.weight_decay)
}

@_cdecl("swish_yogi_new")
public func swish_yogi_new(
    _ params: UnsafePointer<OpaquePointer?>?, _ n: Int, _ opts: UnsafePointer<swish_yogi_options>?
) -> OpaquePointer? {
    returnOptimizer { try makeYogi(try parameterList(params, n), opts) }
}

@_cdecl("swish_yogi_new_module")
public func swish_yogi_new_module(_ m: OpaquePointer?, _ opts: UnsafePointer<swish_yogi_options>?) -> OpaquePointer? {
    returnOptimizer { try makeYogi(try moduleParameters(m), opts) }
}

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
        if let p = Registry.release(opt, kind: .optimizer) { throw handleProblem(p, expected: .optimizer, "opt", opt) }
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
