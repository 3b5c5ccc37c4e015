#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Swish

// Version, errors, scopes and handle bookkeeping.

/// The library's version; keep in step with SWISH_VERSION_* in include/swish.h.
let versionMajor: Int32 = 0, versionMinor: Int32 = 1, versionPatch: Int32 = 0
private let versionString: StaticString = "0.1.0"

@_cdecl("swish_version")
public func swish_version() -> UnsafePointer<CChar> {
    UnsafeRawPointer(versionString.utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("swish_version_number")
public func swish_version_number() -> Int32 { versionMajor * 10000 + versionMinor * 100 + versionPatch }

@_cdecl("swish_last_status")
public func swish_last_status() -> Int32 { CState.current.status.rawValue }

private let notAnError: StaticString = "not an error"

@_cdecl("swish_last_error")
public func swish_last_error() -> UnsafePointer<CChar> {
    if let m = CState.current.message { return UnsafePointer(m) }
    return UnsafeRawPointer(notAnError.utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("swish_clear_error")
public func swish_clear_error() { CState.current.clear() }

private let statusNames: [StaticString] = [
    "SWISH_OK", "SWISH_ERR_INVALID_ARGUMENT", "SWISH_ERR_INVALID_HANDLE", "SWISH_ERR_SHAPE",
    "SWISH_ERR_OUT_OF_MEMORY", "SWISH_ERR_IO", "SWISH_ERR_FORMAT", "SWISH_ERR_STATE", "SWISH_ERR_CALLBACK",
    "SWISH_ERR_INTERNAL",
]
private let unknownStatus: StaticString = "unknown status"

@_cdecl("swish_status_string")
public func swish_status_string(_ s: Int32) -> UnsafePointer<CChar> {
    let name = s >= 0 && Int(s) < statusNames.count ? statusNames[Int(s)] : unknownStatus
    return UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("swish_tensor_free")
public func swish_tensor_free(_ t: OpaquePointer?) -> Int32 {
    guard let t else { return Status.ok.rawValue }
    return returnStatus {
        if let p = Registry.release(t, kind: .tensor) { throw handleProblem(p, expected: .tensor, "t", t) }
    }
}

@_cdecl("swish_scope_begin")
public func swish_scope_begin() -> Int32 {
    CState.current.beginScope()
    return Status.ok.rawValue
}

@_cdecl("swish_scope_end")
public func swish_scope_end() -> Int32 {
    returnStatus {
        let state = CState.current
        guard !state.scopes.isEmpty else {
            throw SwishError.state("no scope is open on this thread (swish_scope_end without swish_scope_begin)")
        }
        state.endScope()
    }
}

@_cdecl("swish_keep")
public func swish_keep(_ t: OpaquePointer?) -> OpaquePointer? {
    returnValue(nil) {
        _ = try tensorArg(t, "t")
        Registry.unscope(t!)
        return t
    }
}

@_cdecl("swish_live_handles")
public func swish_live_handles() -> Int64 { Int64(Registry.liveCount) }

// MARK: Generators

@_cdecl("swish_generator_new")
public func swish_generator_new(_ seed: UInt64) -> OpaquePointer? {
    returnValue(nil) { try Registry.register(Generator(seed: seed), kind: .generator, scoped: false) }
}

@_cdecl("swish_generator_seed")
public func swish_generator_seed(_ g: OpaquePointer?, _ seed: UInt64) -> Int32 {
    returnStatus {
        // NULL is not the default generator here: report it (or keep an earlier error, as for any handle).
        guard let gen = try generatorArg(g, "gen") else { throw handleProblem(.null, expected: .generator, "gen", g) }
        gen.seed(seed)
    }
}

@_cdecl("swish_generator_free")
public func swish_generator_free(_ g: OpaquePointer?) -> Int32 {
    guard let g else { return Status.ok.rawValue }
    return returnStatus {
        if let p = Registry.release(g, kind: .generator) { throw handleProblem(p, expected: .generator, "gen", g) }
    }
}

@_cdecl("swish_manual_seed")
public func swish_manual_seed(_ seed: UInt64) { manualSeed(seed) }

// MARK: Grad mode

@_cdecl("swish_set_grad_enabled")
public func swish_set_grad_enabled(_ on: Bool) -> Bool { GradMode.set(on) }

@_cdecl("swish_is_grad_enabled")
public func swish_is_grad_enabled() -> Bool { GradMode.isEnabled }

@_cdecl("swish_no_grad_begin")
public func swish_no_grad_begin() { CState.current.noGradStack.append(GradMode.set(false)) }

@_cdecl("swish_no_grad_end")
public func swish_no_grad_end() -> Int32 {
    returnStatus {
        guard let old = CState.current.noGradStack.popLast() else {
            throw SwishError.state("swish_no_grad_end without a matching swish_no_grad_begin on this thread")
        }
        GradMode.set(old)
    }
}

// MARK: Threads

@_cdecl("swish_set_num_threads")
public func swish_set_num_threads(_ threads: Int32) -> Int32 {
    Int32(clamping: Parallelism.exchangeThreads(Int(threads)))
}

@_cdecl("swish_get_num_threads")
public func swish_get_num_threads() -> Int32 { Int32(clamping: Parallelism.threads) }

// MARK: Floating-point mode

@_cdecl("swish_set_flush_denormal")
public func swish_set_flush_denormal(_ on: Bool) -> Bool { setFlushDenormal(on) }

@_cdecl("swish_get_flush_denormal")
public func swish_get_flush_denormal() -> Bool { flushesDenormal }
