import Swish

// Losses and the int64 tensors that carry class indices.

@_cdecl("swish_tensor_from_int64")
public func swish_tensor_from_int64(
    _ data: UnsafePointer<Int64>?, _ shape: UnsafePointer<Int64>?, _ ndim: Int
) -> OpaquePointer? {
    returnTensor {
        let s = try shapeArg(shape, ndim)
        let p = try bufferArg(data, s.numel, "data")
        return try Tensor._fromInt64(UnsafeBufferPointer(start: p, count: s.numel), shape: s)
    }
}

/// The reduction a C caller asked for.
private func reductionArg(_ r: Int32) throws -> Reduction {
    guard let reduction = Reduction(rawValue: r) else {
        throw SwishError.invalidArgument(
            "reduction is \(r); expected SWISH_REDUCTION_MEAN, SWISH_REDUCTION_SUM or SWISH_REDUCTION_NONE")
    }
    return reduction
}

/// An optional tensor argument: NULL means none.
private func optionalTensorArg(_ h: OpaquePointer?, _ name: String) throws -> Tensor? {
    h == nil ? nil : try tensorArg(h, name)
}

@_cdecl("swish_mse_loss")
public func swish_mse_loss(_ input: OpaquePointer?, _ target: OpaquePointer?, _ reduction: Int32) -> OpaquePointer? {
    returnTensor {
        try Tensor._mseLoss(try tensorArg(input, "input"), try tensorArg(target, "target"), reduction: try reductionArg(reduction))
    }
}

@_cdecl("swish_l1_loss")
public func swish_l1_loss(_ input: OpaquePointer?, _ target: OpaquePointer?, _ reduction: Int32) -> OpaquePointer? {
    returnTensor {
        try Tensor._l1Loss(try tensorArg(input, "input"), try tensorArg(target, "target"), reduction: try reductionArg(reduction))
    }
}

@_cdecl("swish_huber_loss")
public func swish_huber_loss(
    _ input: OpaquePointer?, _ target: OpaquePointer?, _ reduction: Int32, _ delta: Float
) -> OpaquePointer? {
    returnTensor {
        try Tensor._huberLoss(
            try tensorArg(input, "input"), try tensorArg(target, "target"), reduction: try reductionArg(reduction),
            delta: delta)
    }
}

@_cdecl("swish_binary_cross_entropy_with_logits")
public func swish_binary_cross_entropy_with_logits(
    _ input: OpaquePointer?, _ target: OpaquePointer?, _ posWeight: OpaquePointer?, _ reduction: Int32
) -> OpaquePointer? {
    returnTensor {
        try Tensor._binaryCrossEntropyWithLogits(
            try tensorArg(input, "input"), try tensorArg(target, "target"),
            posWeight: try optionalTensorArg(posWeight, "pos_weight"), reduction: try reductionArg(reduction))
    }
}

@_cdecl("swish_cross_entropy")
public func swish_cross_entropy(_ input: OpaquePointer?, _ target: OpaquePointer?) -> OpaquePointer? {
    returnTensor { try Tensor._crossEntropy(try tensorArg(input, "input"), try tensorArg(target, "target")) }
}

@_cdecl("swish_cross_entropy_ex")
public func swish_cross_entropy_ex(
    _ input: OpaquePointer?, _ target: OpaquePointer?, _ weight: OpaquePointer?, _ ignoreIndex: Int64,
    _ reduction: Int32, _ labelSmoothing: Float
) -> OpaquePointer? {
    returnTensor {
        let x = try tensorArg(input, "input"), y = try tensorArg(target, "target")
        guard let ignore = Int(exactly: ignoreIndex) else { throw SwishError.invalidArgument("ignore_index out of range") }
        return try Tensor._crossEntropy(
            x, y, weight: try optionalTensorArg(weight, "weight"), ignoreIndex: ignore,
            reduction: try reductionArg(reduction), labelSmoothing: labelSmoothing)
    }
}
