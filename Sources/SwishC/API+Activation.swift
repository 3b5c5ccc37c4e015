import Swish

// Activation functions: each shim looks up its argument and calls the engine's throwing op.

@_cdecl("swish_sigmoid")
public func swish_sigmoid(_ a: OpaquePointer?) -> OpaquePointer? { returnTensor { try Tensor._sigmoid(try tensorArg(a, "a")) } }

@_cdecl("swish_tanh")
public func swish_tanh(_ a: OpaquePointer?) -> OpaquePointer? { returnTensor { try Tensor._tanh(try tensorArg(a, "a")) } }

@_cdecl("swish_leaky_relu")
public func swish_leaky_relu(_ a: OpaquePointer?, _ negativeSlope: Float) -> OpaquePointer? {
    returnTensor { try Tensor._leakyRelu(try tensorArg(a, "a"), negativeSlope: negativeSlope) }
}

@_cdecl("swish_gelu")
public func swish_gelu(_ a: OpaquePointer?, _ approximate: Int32) -> OpaquePointer? {
    returnTensor {
        let x = try tensorArg(a, "a")
        guard let mode = GELUApproximation(rawValue: approximate) else {
            throw SwishError.invalidArgument("approximate is \(approximate); expected SWISH_GELU_NONE or SWISH_GELU_TANH")
        }
        return try Tensor._gelu(x, approximate: mode)
    }
}

@_cdecl("swish_silu")
public func swish_silu(_ a: OpaquePointer?) -> OpaquePointer? { returnTensor { try Tensor._silu(try tensorArg(a, "a")) } }

@_cdecl("swish_softmax")
public func swish_softmax(_ a: OpaquePointer?, _ dim: Int64) -> OpaquePointer? {
    returnTensor { try Tensor._softmax(try tensorArg(a, "a"), dim: Int(dim)) }
}

@_cdecl("swish_log_softmax")
public func swish_log_softmax(_ a: OpaquePointer?, _ dim: Int64) -> OpaquePointer? {
    returnTensor { try Tensor._logSoftmax(try tensorArg(a, "a"), dim: Int(dim)) }
}
