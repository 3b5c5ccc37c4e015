import Swish

// Saving and loading: modules, state dicts and optimizer state as safetensors files (the format layer
// and its rules are in Sources/Swish/IO). Every shim checks its arguments, calls the throwing engine and
// reports .io / .format / .invalidArgument / .shape as a status; a failed load changes nothing.

// MARK: Arguments

/// A file path argument: not NULL, not empty, valid UTF-8 (a path is passed to the system as the same
/// bytes, so a string the library would have to repair is refused instead of naming another file).
func pathArg(_ p: UnsafePointer<CChar>?, _ name: String = "path") throws -> String {
    guard let p else { throw SwishError.invalidArgument("argument '\(name)' is NULL") }
    guard let path = String(validatingCString: p) else {
        throw SwishError.invalidArgument("argument '\(name)' is not valid UTF-8")
    }
    guard !path.isEmpty else { throw SwishError.invalidArgument("argument '\(name)' is an empty path") }
    return path
}

/// A C string that becomes part of a file's metadata: not NULL, valid UTF-8.
private func metadataString(_ p: UnsafePointer<CChar>?, _ name: String) throws -> String {
    guard let p else { throw SwishError.invalidArgument("\(name) is NULL") }
    guard let s = String(validatingCString: p) else { throw SwishError.invalidArgument("\(name) is not valid UTF-8") }
    return s
}

/// The metadata map of two parallel C arrays of `n` keys and values; a key given twice is an error.
private func metadataArg(
    _ keys: UnsafePointer<UnsafePointer<CChar>?>?, _ values: UnsafePointer<UnsafePointer<CChar>?>?, _ n: Int
) throws -> [String: String] {
    guard n >= 0 else { throw SwishError.invalidArgument("n_meta is too large (\(UInt(bitPattern: n)))") }
    guard n > 0 else { return [:] }
    guard let keys else { throw SwishError.invalidArgument("argument 'meta_keys' is NULL but n_meta is \(n)") }
    guard let values else { throw SwishError.invalidArgument("argument 'meta_values' is NULL but n_meta is \(n)") }
    var map: [String: String] = [:]
    for i in 0..<n {
        let key = try metadataString(keys[i], "meta_keys[\(i)]")
        guard map[key] == nil else { throw SwishError.invalidArgument("the metadata key '\(key)' is given twice") }
        map[key] = try metadataString(values[i], "meta_values[\(i)]")
    }
    return map
}

/// The optional module whose parameter names key an optimizer's state: NULL means "by position" (as a
/// NULL generator means the default one, so NULL here is a choice, not a propagated failure).
private func namingModuleArg(_ m: OpaquePointer?) throws -> Module? {
    m == nil ? nil : try moduleArg(m, "m")
}

/// Metadata keys in a fixed order (UTF-8 byte order) for access by index.
private func sortedKeys(_ metadata: [String: String]) -> [String] {
    metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
}

// MARK: Modules and state dicts

@_cdecl("swish_save_safetensors")
public func swish_save_safetensors(
    _ m: OpaquePointer?, _ path: UnsafePointer<CChar>?, _ metaKeys: UnsafePointer<UnsafePointer<CChar>?>?,
    _ metaValues: UnsafePointer<UnsafePointer<CChar>?>?, _ nMeta: Int
) -> Int32 {
    returnStatus {
        let module = try moduleArg(m, "m")
        let file = try pathArg(path)
        try module.save(to: file, metadata: try metadataArg(metaKeys, metaValues, nMeta))
    }
}

@_cdecl("swish_state_dict_save_safetensors")
public func swish_state_dict_save_safetensors(
    _ sd: OpaquePointer?, _ path: UnsafePointer<CChar>?, _ metaKeys: UnsafePointer<UnsafePointer<CChar>?>?,
    _ metaValues: UnsafePointer<UnsafePointer<CChar>?>?, _ nMeta: Int
) -> Int32 {
    returnStatus {
        let dict = try stateDictArg(sd, "sd").dict
        let file = try pathArg(path)
        let extra = try metadataArg(metaKeys, metaValues, nMeta)
        try Safetensors.save(dict, metadata: dict.metadata.merging(extra) { _, given in given }, to: file)
    }
}

@_cdecl("swish_load_safetensors")
public func swish_load_safetensors(_ path: UnsafePointer<CChar>?) -> OpaquePointer? {
    returnStateDict { try Safetensors.loadStateDict(from: try pathArg(path)) }
}

@_cdecl("swish_module_load_safetensors")
public func swish_module_load_safetensors(
    _ m: OpaquePointer?, _ path: UnsafePointer<CChar>?, _ strict: Bool,
    _ missingOut: UnsafeMutablePointer<OpaquePointer?>?, _ unexpectedOut: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    missingOut?.pointee = nil
    unexpectedOut?.pointee = nil
    return returnStatus {
        let module = try moduleArg(m, "m")
        let source = try Safetensors.loadStateDict(from: try pathArg(path))
        let result = try module._load(source, strict: strict)
        try reportIncompatibleKeys(result, of: module, source: source, missingOut, unexpectedOut)
    }
}

// MARK: Metadata of a state dict

@_cdecl("swish_state_dict_metadata_size")
public func swish_state_dict_metadata_size(_ sd: OpaquePointer?) -> Int64 {
    returnValue(-1) { Int64(try stateDictArg(sd, "sd").dict.metadata.count) }
}

@_cdecl("swish_state_dict_metadata_key")
public func swish_state_dict_metadata_key(_ sd: OpaquePointer?, _ index: Int64) -> UnsafePointer<CChar>? {
    returnValue(nil) {
        let box = try stateDictArg(sd, "sd")
        let keys = sortedKeys(box.dict.metadata)
        return try box.cName(keys[try indexArg(index, count: keys.count, "the metadata")])
    }
}

@_cdecl("swish_state_dict_metadata_get")
public func swish_state_dict_metadata_get(_ sd: OpaquePointer?, _ key: UnsafePointer<CChar>?) -> UnsafePointer<CChar>? {
    returnValue(nil) {
        let box = try stateDictArg(sd, "sd")
        let name = try stringArg(key, "key")
        guard let value = box.dict.metadata[name] else {
            throw SwishError.invalidArgument("the metadata has no key '\(name)'")
        }
        return try box.cName(value)
    }
}

@_cdecl("swish_state_dict_metadata_set")
public func swish_state_dict_metadata_set(
    _ sd: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ value: UnsafePointer<CChar>?
) -> Int32 {
    returnStatus {
        let box = try stateDictArg(sd, "sd")
        let name = try metadataString(key, "argument 'key'")
        box.dict.metadata[name] = try value.map { try metadataString($0, "argument 'value'") }
    }
}

// MARK: Optimizer state

@_cdecl("swish_optimizer_save")
public func swish_optimizer_save(_ opt: OpaquePointer?, _ m: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    returnStatus {
        let optimizer = try optimizerArg(opt)
        let module = try namingModuleArg(m)
        try optimizer.save(to: try pathArg(path), module: module)
    }
}

@_cdecl("swish_optimizer_load")
public func swish_optimizer_load(_ opt: OpaquePointer?, _ m: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    returnStatus {
        let optimizer = try optimizerArg(opt)
        let module = try namingModuleArg(m)
        try optimizer.load(from: try pathArg(path), module: module)
    }
}
