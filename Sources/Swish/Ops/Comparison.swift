// Comparisons: broadcast like arithmetic, give bool tensors, never record gradients.

/// Which comparison to make.
package enum Comparison: Int32, Sendable {
    case eq = 0, ne, gt, lt, ge, le

    @inline(__always) func test(_ a: Float, _ b: Float) -> Bool {
        switch self {
        case .eq: a == b
        case .ne: a != b
        case .gt: a > b
        case .lt: a < b
        case .ge: a >= b
        case .le: a <= b
        }
    }
}

extension Tensor {
    package static func _compare(_ a: Tensor, _ b: Tensor, _ op: Comparison) throws -> Tensor {
        let shape = try Shape.broadcast(a.shape, b.shape)
        let out = try Tensor(uninitialized: shape, dtype: .bool)
        switch op {
        case .eq: _Kernels.broadcast(a.pointer, a.shape, b.pointer, b.shape, out.pointer, shape) { $0 == $1 ? 1 : 0 }
        case .ne: _Kernels.broadcast(a.pointer, a.shape, b.pointer, b.shape, out.pointer, shape) { $0 != $1 ? 1 : 0 }
        case .gt: _Kernels.broadcast(a.pointer, a.shape, b.pointer, b.shape, out.pointer, shape) { $0 > $1 ? 1 : 0 }
        case .lt: _Kernels.broadcast(a.pointer, a.shape, b.pointer, b.shape, out.pointer, shape) { $0 < $1 ? 1 : 0 }
        case .ge: _Kernels.broadcast(a.pointer, a.shape, b.pointer, b.shape, out.pointer, shape) { $0 >= $1 ? 1 : 0 }
        case .le: _Kernels.broadcast(a.pointer, a.shape, b.pointer, b.shape, out.pointer, shape) { $0 <= $1 ? 1 : 0 }
        }
        return out
    }

    package static func _compare(_ a: Tensor, _ s: Float, _ op: Comparison) throws -> Tensor {
        try _compare(a, try Tensor._full(.scalar, s), op)
    }

    /// True when every element is non-zero (PyTorch's `all()`), as a Swift Bool.
    public func all() -> Bool { buffer.allSatisfy { $0 != 0 } }
}

extension Tensor {
    // Tensor is expressible by a literal, so `x > 1` could mean either overload and would not compile;
    // disfavoring the tensor-tensor forms picks the scalar one for literals (the seed's `X.abs().sum() > 1`).
    @_disfavoredOverload
    public static func == (a: Tensor, b: Tensor) -> Tensor { _trap { try _compare(a, b, .eq) } }
    @_disfavoredOverload
    public static func != (a: Tensor, b: Tensor) -> Tensor { _trap { try _compare(a, b, .ne) } }
    @_disfavoredOverload
    public static func > (a: Tensor, b: Tensor) -> Tensor { _trap { try _compare(a, b, .gt) } }
    @_disfavoredOverload
    public static func < (a: Tensor, b: Tensor) -> Tensor { _trap { try _compare(a, b, .lt) } }
    @_disfavoredOverload
    public static func >= (a: Tensor, b: Tensor) -> Tensor { _trap { try _compare(a, b, .ge) } }
    @_disfavoredOverload
    public static func <= (a: Tensor, b: Tensor) -> Tensor { _trap { try _compare(a, b, .le) } }
    public static func == (a: Tensor, s: Float) -> Tensor { _trap { try _compare(a, s, .eq) } }
    public static func != (a: Tensor, s: Float) -> Tensor { _trap { try _compare(a, s, .ne) } }
    public static func > (a: Tensor, s: Float) -> Tensor { _trap { try _compare(a, s, .gt) } }
    public static func < (a: Tensor, s: Float) -> Tensor { _trap { try _compare(a, s, .lt) } }
    public static func >= (a: Tensor, s: Float) -> Tensor { _trap { try _compare(a, s, .ge) } }
    public static func <= (a: Tensor, s: Float) -> Tensor { _trap { try _compare(a, s, .le) } }
}
