#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The nonlinearity a layer is followed by, for ``Init/calculateGain(_:param:)`` (PyTorch's `nonlinearity`
/// strings: `"linear"`, `"conv2d"`, `"relu"`, `"leaky_relu"`, ...). The raw values are the C enum
/// `swish_nonlinearity`.
public enum Nonlinearity: Int32, Sendable, CaseIterable {
    case linear = 0
    case conv1d, conv2d, conv3d
    case convTranspose1d, convTranspose2d, convTranspose3d
    case sigmoid, tanh, relu, leakyRelu, selu
}

/// Which fan ``Init/kaimingUniform_(_:a:mode:nonlinearity:generator:)`` scales by: `fan_in` keeps the
/// variance of the activations in the forward pass, `fan_out` that of the gradients in the backward pass.
/// The raw values are the C enum `swish_fan_mode`.
public enum FanMode: Int32, Sendable {
    case fanIn = 0
    case fanOut = 1
}

/// In-place initialization of tensors, PyTorch's `torch.nn.init`.
///
/// Every function overwrites the tensor's values without recording anything for autograd (PyTorch runs
/// them under `no_grad`), so they apply to parameters directly, and returns the same tensor. Random
/// initializers draw from `generator`, or from ``Generator/default`` when it is nil.
///
/// ```swift
/// net.apply { m in
///     if m is Linear {
///         Init.normal_(m.weight, mean: 0, std: 0.01)
///         Init.zeros_(m.bias)
///     }
/// }
/// ```
public enum Init {
    // MARK: Throwing core (the C ABI calls these)

    /// Fills `t` with values uniform in [a, b).
    package static func _uniform(_ t: Tensor, a: Float, b: Float, generator: Generator?) throws {
        guard a.isFinite, b.isFinite else {
            throw SwishError.invalidArgument("uniform_: bounds must be finite, got from=\(a), to=\(b)")
        }
        guard a <= b else {
            throw SwishError.invalidArgument("uniform_ expects to return a [from, to) range, but found from=\(a) > to=\(b)")
        }
        (generator ?? .default).fillUniform(t.mutableBuffer, low: a, high: b)
    }

    /// Fills `t` with values from the normal distribution N(mean, std²).
    package static func _normal(_ t: Tensor, mean: Float, std: Float, generator: Generator?) throws {
        guard mean.isFinite, std.isFinite else {
            throw SwishError.invalidArgument("normal_: mean and std must be finite, got mean=\(mean), std=\(std)")
        }
        guard std >= 0 else {
            throw SwishError.invalidArgument("normal expects std >= 0.0, but found std \(std)")
        }
        (generator ?? .default).fillNormal(t.mutableBuffer, mean: mean, std: std)
    }

    /// Fills `t` with `value`.
    package static func _constant(_ t: Tensor, _ value: Float) {
        let n = t.numel
        if n > 0 { t.pointer.update(repeating: value, count: n) }
    }

    /// PyTorch's `_calculate_fan_in_and_fan_out`: for a weight of shape [out, in, k1, k2, ...],
    /// fan_in = in * k1 * k2 * ... and fan_out = out * k1 * k2 * ...
    package static func _fans(_ t: Tensor) throws -> (fanIn: Int, fanOut: Int) {
        try _requireFanRank(t)
        let receptiveField = t.shape.product(2..<t.ndim)
        // Only an empty tensor's fans can overflow ([0, 2^40, 2^40]); they have no Int value then.
        let (fanIn, o1) = t.shape[1].multipliedReportingOverflow(by: receptiveField)
        let (fanOut, o2) = t.shape[0].multipliedReportingOverflow(by: receptiveField)
        guard !o1, !o2 else {
            throw SwishError.invalidArgument("the fans of a tensor of shape \(t.shape) do not fit in 64 bits")
        }
        return (fanIn, fanOut)
    }

    private static func _requireFanRank(_ t: Tensor) throws {
        guard t.ndim >= 2 else {
            throw SwishError.invalidArgument(
                "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
        }
    }

    package static func _gain(_ nonlinearity: Nonlinearity, param: Float?) throws -> Double {
        switch nonlinearity {
        case .linear, .conv1d, .conv2d, .conv3d, .convTranspose1d, .convTranspose2d, .convTranspose3d, .sigmoid:
            return 1
        case .tanh:
            return 5.0 / 3
        case .relu:
            return 2.0.squareRoot()
        case .leakyRelu:
            let slope = Double(param ?? 0.01)
            guard slope.isFinite else { throw SwishError.invalidArgument("negative_slope \(slope) not a valid number") }
            return (2.0 / (1 + slope * slope)).squareRoot()
        case .selu:
            return 3.0 / 4
        }
    }

    package static func _xavierUniform(_ t: Tensor, gain: Float, generator: Generator?) throws {
        try _requireFanRank(t)
        guard t.numel > 0 else { return }  // nothing to fill (and fan_in + fan_out may be 0 or overflow)
        let (fanIn, fanOut) = try _fans(t)
        let std = Double(gain) * (2.0 / Double(fanIn + fanOut)).squareRoot()
        let bound = 3.0.squareRoot() * std
        try _uniform(t, a: Float(-bound), b: Float(bound), generator: generator)
    }

    package static func _xavierNormal(_ t: Tensor, gain: Float, generator: Generator?) throws {
        try _requireFanRank(t)
        guard t.numel > 0 else { return }
        let (fanIn, fanOut) = try _fans(t)
        let std = Double(gain) * (2.0 / Double(fanIn + fanOut)).squareRoot()
        try _normal(t, mean: 0, std: Float(std), generator: generator)
    }

    /// The standard deviation He et al. prescribe: gain / sqrt(fan), or nil for an empty tensor, which
    /// PyTorch leaves untouched ("Initializing zero-element tensors is a no-op").
    private static func kaimingStd(_ t: Tensor, a: Float, mode: FanMode, nonlinearity: Nonlinearity) throws -> Double? {
        guard t.numel > 0 else { return nil }
        let (fanIn, fanOut) = try _fans(t)
        let fan = mode == .fanIn ? fanIn : fanOut
        return try _gain(nonlinearity, param: a) / Double(fan).squareRoot()
    }

    package static func _kaimingUniform(
        _ t: Tensor, a: Float, mode: FanMode, nonlinearity: Nonlinearity, generator: Generator?
    ) throws {
        guard let std = try kaimingStd(t, a: a, mode: mode, nonlinearity: nonlinearity) else { return }
        let bound = 3.0.squareRoot() * std
        try _uniform(t, a: Float(-bound), b: Float(bound), generator: generator)
    }

    package static func _kaimingNormal(
        _ t: Tensor, a: Float, mode: FanMode, nonlinearity: Nonlinearity, generator: Generator?
    ) throws {
        guard let std = try kaimingStd(t, a: a, mode: mode, nonlinearity: nonlinearity) else { return }
        try _normal(t, mean: 0, std: Float(std), generator: generator)
    }

    // MARK: Swift surface

    /// Fills `tensor` with values drawn from U(a, b).
    @discardableResult
    public static func uniform_(_ tensor: Tensor, a: Float = 0, b: Float = 1, generator: Generator? = nil) -> Tensor {
        _trap { try _uniform(tensor, a: a, b: b, generator: generator) }
        return tensor
    }

    /// Fills `tensor` with values drawn from N(mean, std²).
    @discardableResult
    public static func normal_(
        _ tensor: Tensor, mean: Float = 0, std: Float = 1, generator: Generator? = nil
    ) -> Tensor {
        _trap { try _normal(tensor, mean: mean, std: std, generator: generator) }
        return tensor
    }

    /// Fills `tensor` with `value`.
    @discardableResult
    public static func constant_(_ tensor: Tensor, _ value: Float) -> Tensor {
        _constant(tensor, value)
        return tensor
    }

    /// Fills `tensor` with zeros.
    @discardableResult
    public static func zeros_(_ tensor: Tensor) -> Tensor { constant_(tensor, 0) }

    /// Fills `tensor` with ones.
    @discardableResult
    public static func ones_(_ tensor: Tensor) -> Tensor { constant_(tensor, 1) }

    /// The recommended gain for a nonlinearity: 1 for linear, convolutions and sigmoid, 5/3 for tanh,
    /// sqrt(2) for relu, sqrt(2 / (1 + slope²)) for leaky relu (`param` is the slope, default 0.01), 3/4
    /// for selu.
    public static func calculateGain(_ nonlinearity: Nonlinearity, param: Float? = nil) -> Float {
        Float(_trap { try _gain(nonlinearity, param: param) })
    }

    /// fan_in and fan_out of a weight of shape [out, in, ...] (at least 2-d).
    public static func calculateFanInAndFanOut(_ tensor: Tensor) -> (fanIn: Int, fanOut: Int) {
        _trap { try _fans(tensor) }
    }

    /// Glorot & Bengio (2010): U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).
    @discardableResult
    public static func xavierUniform_(_ tensor: Tensor, gain: Float = 1, generator: Generator? = nil) -> Tensor {
        _trap { try _xavierUniform(tensor, gain: gain, generator: generator) }
        return tensor
    }

    /// Glorot & Bengio (2010): N(0, std²) with std = gain * sqrt(2 / (fan_in + fan_out)).
    @discardableResult
    public static func xavierNormal_(_ tensor: Tensor, gain: Float = 1, generator: Generator? = nil) -> Tensor {
        _trap { try _xavierNormal(tensor, gain: gain, generator: generator) }
        return tensor
    }

    /// He et al. (2015): U(-bound, bound) with bound = gain * sqrt(3 / fan), gain from
    /// ``calculateGain(_:param:)`` with `a` as the leaky relu slope. An empty tensor is left as is.
    @discardableResult
    public static func kaimingUniform_(
        _ tensor: Tensor, a: Float = 0, mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .leakyRelu,
        generator: Generator? = nil
    ) -> Tensor {
        _trap { try _kaimingUniform(tensor, a: a, mode: mode, nonlinearity: nonlinearity, generator: generator) }
        return tensor
    }

    /// He et al. (2015): N(0, std²) with std = gain / sqrt(fan).
    @discardableResult
    public static func kaimingNormal_(
        _ tensor: Tensor, a: Float = 0, mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .leakyRelu,
        generator: Generator? = nil
    ) -> Tensor {
        _trap { try _kaimingNormal(tensor, a: a, mode: mode, nonlinearity: nonlinearity, generator: generator) }
        return tensor
    }
}
