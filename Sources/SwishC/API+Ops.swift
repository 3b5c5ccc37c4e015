import Swish

// Arithmetic, elementwise functions, matrix products, shapes, reductions and comparisons: each shim
// looks up its arguments and calls the engine's throwing op.

@_cdecl("swish_add")
public func swish_add(_ a: OpaquePointer?, _ b: OpaquePointer?) -> OpaquePointer? {
    returnTensor { try Tensor._add(try tensorArg(a, "a"), try tensorArg(b, "b")) }
}
@_cdecl("swish_sub")
public func swish_sub(_ a: OpaquePointer?, _ b: OpaquePointer?) -> OpaquePointer? {
    returnTensor { try Tensor._sub(try tensorArg(a, "a"), try tensorArg(b, "b")) }
}
@_cdecl("swish_mul")
public func swish_mul(_ a: OpaquePointer?, _ b: OpaquePointer?) -> OpaquePointer? {
    returnTensor { try Tensor._mul(try tensorArg(a, "a"), try tensorArg(b, "b")) }
}
@_cdecl("swish_div")
public func swish_div(_ a: OpaquePointer?, _ b: OpaquePointer?) -> OpaquePointer? {
    returnTensor { try Tensor._div(try tensorArg(a, "a"), try tensorArg(b, "b")) }
}
@_cdecl("swish_add_scalar")
public func swish_add_scalar(_ a: OpaquePointer?, _ s: Float) -> OpaquePointer? {
    returnTensor { try Tensor._add(try tensorArg(a, "a"), s) }
}
@_cdecl("swish_sub_scalar")
public func swish_sub_scalar(_ a: OpaquePointer?, _ s: Float) -> OpaquePointer? {
    returnTensor { try Tensor._sub(try tensorArg(a, "a"), s) }
}
@_cdecl("swish_rsub_scalar")
public func swish_rsub_scalar(_ s: Float, _ a: OpaquePointer?) -> OpaquePointer? {
    returnTensor { try Tensor._rsub(s, try tensorArg(a, "a")) }
}
@_cdecl("swish_mul_scalar")
public func swish_mul_scalar(_ a: OpaquePointer?, _ s: Float) -> OpaquePointer? {
    returnTensor { try Tensor._mul(try tensorArg(a, "a"), s) }
}
@_cdecl("swish_div_scalar")
public func swish_div_scalar(_ a: OpaquePointer?, _ s: Float) -> OpaquePointer? {
    returnTensor { try Tensor._div(try tensorArg(a, "a"), s) }
}
@_cdecl("swish_rdiv_scalar")
public func swish_rdiv_scalar(_ s: Float, _ a: OpaquePointer?) -> OpaquePointer? {
    returnTensor { try Tensor._rdiv(s, try tensorArg(a, "a")) }
}
@_cdecl("swish_neg")
public func swish_neg(_ a: OpaquePointer?) -> OpaquePointer? { returnTensor { try Tensor._neg(try tensorArg(a, "a")) } }

// MARK: Elementwise

@_cdecl("swish_abs")
public func swish_abs(_ a: OpaquePointer?) -> OpaquePointer? { returnTensor { try Tensor._abs(try tensorArg(a, "a")) } }
@_cdecl("swish_exp")
public func swish_exp(_ a: OpaquePointer?) -> OpaquePointer? { returnTensor { try Tensor._exp(try tensorArg(a, "a")) } }
@_cdecl("swish_log")
public func swish_log(_ a: OpaquePointer?) -> OpaquePointer? { returnTensor { try Tensor._log(try tensorArg(a, "a")) } }
@_cdecl("swish_sqrt")
public func swish_sqrt(_ a: OpaquePointer?) -> OpaquePointer? { returnTensor { try Tensor._sqrt(try tensorArg(a, "a")) } }
@_cdecl("swish_pow_scalar")
public func swish_pow_scalar(_ a: OpaquePointer?, _ p: Float) -> OpaquePointer? {
    returnTensor { try Tensor._pow(try tensorArg(a, "a"), p) }
}
@_cdecl("swish_square")
public func swish_square(_ a: OpaquePointer?) -> OpaquePointer? { returnTensor { try Tensor._square(try tensorArg(a, "a")) } }
@_cdecl("swish_clamp")
public func swish_clamp(_ a: OpaquePointer?, _ lo: Float, _ hi: Float) -> OpaquePointer? {
    returnTensor {
        let l: Float? = lo.isNaN || lo == -.infinity ? nil : lo
        let h: Float? = hi.isNaN || hi == .infinity ? nil : hi
        return try Tensor._clamp(try tensorArg(a, "a"), min: l, max: h)
    }
}
@_cdecl("swish_relu")
public func swish_relu(_ a: OpaquePointer?) -> OpaquePointer? { returnTensor { try Tensor._relu(try tensorArg(a, "a")) } }

// MARK: Matrix products and shapes

@_cdecl("swish_matmul")
public func swish_matmul(_ a: OpaquePointer?, _ b: OpaquePointer?) -> OpaquePointer? {
    returnTensor { try Tensor._matmul(try tensorArg(a, "a"), try tensorArg(b, "b")) }
}
@_cdecl("swish_transpose")
public func swish_transpose(_ a: OpaquePointer?, _ d0: Int64, _ d1: Int64) -> OpaquePointer? {
    returnTensor { try Tensor._transpose(try tensorArg(a, "a"), Int(d0), Int(d1)) }
}
@_cdecl("swish_t")
public func swish_t(_ a: OpaquePointer?) -> OpaquePointer? { returnTensor { try Tensor._t(try tensorArg(a, "a")) } }
@_cdecl("swish_reshape")
public func swish_reshape(_ a: OpaquePointer?, _ shape: UnsafePointer<Int64>?, _ ndim: Int) -> OpaquePointer? {
    returnTensor { try Tensor._reshape(try tensorArg(a, "a"), try dimsArg(shape, ndim)) }
}
@_cdecl("swish_unsqueeze")
public func swish_unsqueeze(_ a: OpaquePointer?, _ dim: Int64) -> OpaquePointer? {
    returnTensor { try Tensor._unsqueeze(try tensorArg(a, "a"), Int(dim)) }
}
@_cdecl("swish_squeeze")
public func swish_squeeze(_ a: OpaquePointer?, _ dim: Int64) -> OpaquePointer? {
    returnTensor { try Tensor._squeeze(try tensorArg(a, "a"), Int(dim)) }
}
@_cdecl("swish_flatten")
public func swish_flatten(_ a: OpaquePointer?, _ start: Int64, _ end: Int64) -> OpaquePointer? {
    returnTensor { try Tensor._flatten(try tensorArg(a, "a"), start: Int(start), end: Int(end)) }
}
@_cdecl("swish_select")
public func swish_select(_ a: OpaquePointer?, _ dim: Int64, _ index: Int64) -> OpaquePointer? {
    returnTensor { try Tensor._select(try tensorArg(a, "a"), dim: Int(dim), index: Int(index)) }
}

// MARK: Reductions

@_cdecl("swish_sum")
public func swish_sum(_ a: OpaquePointer?) -> OpaquePointer? { returnTensor { try Tensor._sum(try tensorArg(a, "a")) } }
@_cdecl("swish_sum_dim")
public func swish_sum_dim(_ a: OpaquePointer?, _ dim: Int64, _ keepdim: Bool) -> OpaquePointer? {
    returnTensor { try Tensor._sum(try tensorArg(a, "a"), dim: Int(dim), keepdim: keepdim) }
}
@_cdecl("swish_mean")
public func swish_mean(_ a: OpaquePointer?) -> OpaquePointer? { returnTensor { try Tensor._mean(try tensorArg(a, "a")) } }
@_cdecl("swish_mean_dim")
public func swish_mean_dim(_ a: OpaquePointer?, _ dim: Int64, _ keepdim: Bool) -> OpaquePointer? {
    returnTensor { try Tensor._mean(try tensorArg(a, "a"), dim: Int(dim), keepdim: keepdim) }
}
@_cdecl("swish_max")
public func swish_max(_ a: OpaquePointer?) -> OpaquePointer? { returnTensor { try Tensor._max(try tensorArg(a, "a")) } }
@_cdecl("swish_max_dim")
public func swish_max_dim(
    _ a: OpaquePointer?, _ dim: Int64, _ keepdim: Bool, _ indices: UnsafeMutablePointer<OpaquePointer?>?
) -> OpaquePointer? {
    indices?.pointee = nil
    var idx: Tensor? = nil
    let values = returnTensor { () throws -> Tensor in
        let r = try Tensor._max(try tensorArg(a, "a"), dim: Int(dim), keepdim: keepdim)
        idx = r.indices
        return r.values
    }
    if let values, let idx, let indices {
        guard let h = returnTensor({ idx }) else {
            _ = swish_tensor_free(values)
            return nil
        }
        indices.pointee = h
    }
    return values
}
@_cdecl("swish_argmax")
public func swish_argmax(_ a: OpaquePointer?, _ dim: Int64, _ keepdim: Bool) -> OpaquePointer? {
    returnTensor { try Tensor._argmax(try tensorArg(a, "a"), dim: Int(dim), keepdim: keepdim) }
}

// MARK: Comparisons

private func compareOp(_ op: Int32) throws -> Comparison {
    guard let c = Comparison(rawValue: op) else {
        throw SwishError.invalidArgument("unknown comparison \(op) (expected SWISH_EQ ... SWISH_LE)")
    }
    return c
}

@_cdecl("swish_compare")
public func swish_compare(_ a: OpaquePointer?, _ b: OpaquePointer?, _ op: Int32) -> OpaquePointer? {
    returnTensor { try Tensor._compare(try tensorArg(a, "a"), try tensorArg(b, "b"), try compareOp(op)) }
}
@_cdecl("swish_compare_scalar")
public func swish_compare_scalar(_ a: OpaquePointer?, _ s: Float, _ op: Int32) -> OpaquePointer? {
    returnTensor { try Tensor._compare(try tensorArg(a, "a"), s, try compareOp(op)) }
}
@_cdecl("swish_eq")
public func swish_eq(_ a: OpaquePointer?, _ b: OpaquePointer?) -> OpaquePointer? {
    returnTensor { try Tensor._compare(try tensorArg(a, "a"), try tensorArg(b, "b"), .eq) }
}
@_cdecl("swish_all")
public func swish_all(_ a: OpaquePointer?) -> Int32 { returnValue(-1) { try tensorArg(a, "a").all() ? 1 : 0 } }
