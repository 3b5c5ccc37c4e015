#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Swish

// Tensor creation, queries and data access.

@_cdecl("swish_tensor_new")
public func swish_tensor_new(_ data: UnsafePointer<Float>?, _ shape: UnsafePointer<Int64>?, _ ndim: Int) -> OpaquePointer? {
    returnTensor {
        let s = try shapeArg(shape, ndim)
        let p = try bufferArg(data, s.numel, "data")
        return try Tensor._from(UnsafeBufferPointer(start: p, count: s.numel), shape: s)
    }
}

@_cdecl("swish_scalar")
public func swish_scalar(_ v: Float) -> OpaquePointer? { returnTensor { try Tensor._full(.scalar, v) } }

@_cdecl("swish_zeros")
public func swish_zeros(_ shape: UnsafePointer<Int64>?, _ ndim: Int) -> OpaquePointer? {
    returnTensor { try Tensor._full(try shapeArg(shape, ndim), 0) }
}

@_cdecl("swish_ones")
public func swish_ones(_ shape: UnsafePointer<Int64>?, _ ndim: Int) -> OpaquePointer? {
    returnTensor { try Tensor._full(try shapeArg(shape, ndim), 1) }
}

@_cdecl("swish_full")
public func swish_full(_ shape: UnsafePointer<Int64>?, _ ndim: Int, _ v: Float) -> OpaquePointer? {
    returnTensor { try Tensor._full(try shapeArg(shape, ndim), v) }
}

@_cdecl("swish_arange")
public func swish_arange(_ start: Float, _ end: Float, _ step: Float) -> OpaquePointer? {
    returnTensor { try Tensor._arange(start: start, end: end, step: step) }
}

@_cdecl("swish_rand")
public func swish_rand(_ shape: UnsafePointer<Int64>?, _ ndim: Int, _ gen: OpaquePointer?) -> OpaquePointer? {
    returnTensor { try Tensor._rand(try shapeArg(shape, ndim), generator: try generatorArg(gen, "gen")) }
}

@_cdecl("swish_randn")
public func swish_randn(_ shape: UnsafePointer<Int64>?, _ ndim: Int, _ gen: OpaquePointer?) -> OpaquePointer? {
    returnTensor { try Tensor._randn(try shapeArg(shape, ndim), generator: try generatorArg(gen, "gen")) }
}

@_cdecl("swish_clone")
public func swish_clone(_ t: OpaquePointer?) -> OpaquePointer? {
    returnTensor { try tensorArg(t, "t")._copyDetached() }
}

// MARK: Queries

@_cdecl("swish_tensor_ndim")
public func swish_tensor_ndim(_ t: OpaquePointer?) -> Int64 { returnValue(-1) { Int64(try tensorArg(t, "t").ndim) } }

@_cdecl("swish_tensor_numel")
public func swish_tensor_numel(_ t: OpaquePointer?) -> Int64 { returnValue(-1) { Int64(try tensorArg(t, "t").numel) } }

@_cdecl("swish_tensor_dim")
public func swish_tensor_dim(_ t: OpaquePointer?, _ dim: Int64) -> Int64 {
    returnValue(-1) {
        let x = try tensorArg(t, "t")
        guard x.ndim > 0 else {
            throw SwishError.invalidArgument("dimension specified as \(dim) but tensor has no dimensions")
        }
        return Int64(x.shape[try x.shape.normalize(dim: Int(dim))])
    }
}

@_cdecl("swish_tensor_shape")
public func swish_tensor_shape(_ t: OpaquePointer?, _ out: UnsafeMutablePointer<Int64>?, _ capacity: Int) -> Int32 {
    returnStatus {
        let x = try tensorArg(t, "t")
        guard let out else { throw SwishError.invalidArgument("argument 'out' is NULL") }
        let room = UInt(bitPattern: capacity)  // a C size_t: SIZE_MAX is a large capacity, not -1
        guard room >= UInt(x.ndim) else {
            throw SwishError.invalidArgument("'out' has room for \(room) sizes, the tensor has \(x.ndim) dimensions")
        }
        for i in 0..<x.ndim { out[i] = Int64(x.shape[i]) }
    }
}

@_cdecl("swish_tensor_dtype")
public func swish_tensor_dtype(_ t: OpaquePointer?) -> Int32 { returnValue(-1) { try tensorArg(t, "t").dtype.rawValue } }

@_cdecl("swish_tensor_copy_to")
public func swish_tensor_copy_to(_ t: OpaquePointer?, _ out: UnsafeMutablePointer<Float>?, _ capacity: Int) -> Int32 {
    returnStatus {
        let x = try tensorArg(t, "t")
        guard let out else { throw SwishError.invalidArgument("argument 'out' is NULL") }
        let room = UInt(bitPattern: capacity)  // a C size_t: SIZE_MAX is a large capacity, not -1
        guard room >= UInt(x.numel) else {
            throw SwishError.invalidArgument("'out' has room for \(room) floats, the tensor has \(x.numel)")
        }
        x.withUnsafeBufferPointer { b in
            if let base = b.baseAddress, b.count > 0 { out.update(from: base, count: b.count) }
        }
    }
}

@_cdecl("swish_tensor_copy_from")
public func swish_tensor_copy_from(_ t: OpaquePointer?, _ data: UnsafePointer<Float>?, _ count: Int) -> Int32 {
    returnStatus {
        let x = try tensorArg(t, "t")
        guard count == x.numel else {
            throw SwishError.invalidArgument("count is \(UInt(bitPattern: count)), the tensor has \(x.numel) elements")
        }
        let p = try bufferArg(data, count, "data")
        try x._copy(from: UnsafeBufferPointer(start: p, count: count))
    }
}

@_cdecl("swish_item")
public func swish_item(_ t: OpaquePointer?) -> Float { returnValue(Float.nan) { try tensorArg(t, "t").itemChecked() } }

@_cdecl("swish_tensor_data")
public func swish_tensor_data(_ t: OpaquePointer?) -> UnsafeMutablePointer<Float>? {
    returnValue(nil) { try tensorArg(t, "t")._dataPointer }
}

@_cdecl("swish_tensor_get")
public func swish_tensor_get(_ t: OpaquePointer?, _ index: UnsafePointer<Int64>?, _ ndim: Int) -> Float {
    returnValue(Float.nan) {
        let x = try tensorArg(t, "t")
        return try x._element(at: try dimsArg(index, ndim, "index"))
    }
}

@_cdecl("swish_tensor_set")
public func swish_tensor_set(_ t: OpaquePointer?, _ index: UnsafePointer<Int64>?, _ ndim: Int, _ v: Float) -> Int32 {
    returnStatus {
        let x = try tensorArg(t, "t")
        try x._setElement(at: try dimsArg(index, ndim, "index"), v)
    }
}

@_cdecl("swish_tensor_str")
public func swish_tensor_str(_ t: OpaquePointer?) -> UnsafePointer<CChar>? {
    returnValue(nil) {
        let s = try tensorArg(t, "t").description
        let state = CState.current
        free(state.lastString)
        state.lastString = strdup(s)
        guard let p = state.lastString else { throw SwishError.outOfMemory("could not allocate the string") }
        return UnsafePointer(p)
    }
}

@_cdecl("swish_tensor_print")
public func swish_tensor_print(_ t: OpaquePointer?) -> Int32 {
    returnStatus {
        print(try tensorArg(t, "t").description)
    }
}
