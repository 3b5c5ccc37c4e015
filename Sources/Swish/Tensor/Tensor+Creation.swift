extension Tensor {
    // MARK: Throwing core (used by the C ABI and by the trapping Swift surface below)

    /// A tensor holding a copy of `scalars`, which must have exactly `shape.numel` elements.
    package static func _from(
        _ scalars: UnsafeBufferPointer<Float>, shape: Shape, dtype: DType = .float32
    ) throws -> Tensor {
        guard scalars.count == shape.numel else {
            throw SwishError.shape("shape \(shape) needs \(shape.numel) values, got \(scalars.count)")
        }
        let t = try Tensor(uninitialized: shape, dtype: dtype)
        if let base = scalars.baseAddress, scalars.count > 0 { t.pointer.update(from: base, count: scalars.count) }
        return t
    }

    package static func _full(_ shape: Shape, _ value: Float, dtype: DType = .float32) throws -> Tensor {
        if value.bitPattern == 0 { return try Tensor(zeroed: shape, dtype: dtype) }  // +0 only: -0 keeps its sign
        let t = try Tensor(uninitialized: shape, dtype: dtype)
        t.pointer.initialize(repeating: value, count: shape.numel)
        return t
    }

    package static func _arange(start: Float, end: Float, step: Float) throws -> Tensor {
        guard step != 0, step.isFinite, start.isFinite, end.isFinite else {
            throw SwishError.invalidArgument("arange needs finite start and end and a non-zero finite step")
        }
        guard (end - start) / step >= 0 || start == end else {
            throw SwishError.invalidArgument(
                "upper bound and larger bound inconsistent with step sign (start \(start), end \(end), step \(step))")
        }
        // PyTorch: size = ceil((end - start) / step), computed in double.
        let count = (Double(end) - Double(start)) / Double(step)
        guard count < Double(Int32.max) else {
            throw SwishError.invalidArgument("arange would have \(count) elements")
        }
        let n = Swift.max(0, Int(count.rounded(.up)))
        let t = try Tensor(uninitialized: [n])
        for i in 0..<n { t.pointer[i] = Float(Double(start) + Double(i) * Double(step)) }
        return t
    }

    package static func _rand(_ shape: Shape, generator: Generator? = nil) throws -> Tensor {
        let t = try Tensor(uninitialized: shape)
        (generator ?? .default).fillUniform(t.mutableBuffer)
        return t
    }

    package static func _randn(_ shape: Shape, generator: Generator? = nil) throws -> Tensor {
        let t = try Tensor(uninitialized: shape)
        (generator ?? .default).fillNormal(t.mutableBuffer)
        return t
    }

    // MARK: Swift surface

    /// A tensor with the given values in row-major order. Traps if the count does not match the shape.
    public convenience init(_ scalars: [Float], shape: Shape, requiresGrad: Bool = false) {
        self.init(copying: scalars, shape: shape, dtype: .float32)
        self.requiresGrad = requiresGrad
    }

    /// A 1-d tensor with the given values.
    public convenience init(_ scalars: [Float], requiresGrad: Bool = false) {
        self.init(scalars, shape: [scalars.count], requiresGrad: requiresGrad)
    }

    /// A 0-d tensor holding `value`.
    public convenience init(_ value: Float) {
        self.init([value], shape: .scalar)
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: Shape, requiresGrad: Bool = false) -> Tensor {
        _trap { try Tensor(zeroed: shape).requiresGrad_(requiresGrad) }
    }

    /// A tensor of ones.
    public static func ones(_ shape: Shape, requiresGrad: Bool = false) -> Tensor {
        _trap { try _full(shape, 1).requiresGrad_(requiresGrad) }
    }

    /// A tensor filled with `value`.
    public static func full(_ shape: Shape, _ value: Float, requiresGrad: Bool = false) -> Tensor {
        _trap { try _full(shape, value).requiresGrad_(requiresGrad) }
    }

    /// Values from `start` up to (not including) `end` in steps of `step`, as `torch.arange`.
    public static func arange(_ start: Float, _ end: Float, step: Float = 1) -> Tensor {
        _trap { try _arange(start: start, end: end, step: step) }
    }

    /// 0, 1, ... up to (not including) `end`, as `torch.arange(end)`.
    public static func arange(_ end: Float) -> Tensor { arange(0, end) }

    /// Values uniform in [0, 1), drawn from `generator` (default: ``Generator/default``).
    public static func rand(_ shape: Shape, generator: Generator? = nil) -> Tensor {
        _trap { try _rand(shape, generator: generator) }
    }

    /// Standard normal values, drawn from `generator` (default: ``Generator/default``).
    public static func randn(_ shape: Shape, generator: Generator? = nil) -> Tensor {
        _trap { try _randn(shape, generator: generator) }
    }

    /// A tensor of zeros with this tensor's shape.
    public func zerosLike() -> Tensor { Tensor.zeros(shape) }
    /// A tensor of ones with this tensor's shape.
    public func onesLike() -> Tensor { Tensor.ones(shape) }
}

extension Tensor: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    /// A 0-d tensor from a literal, so `x[0, 0] = 100` and `x + 1.5` read as in PyTorch.
    public convenience init(floatLiteral value: Float) { self.init(value) }
    public convenience init(integerLiteral value: Int) { self.init(Float(value)) }
}
