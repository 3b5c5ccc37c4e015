// Module forms of the activation functions and of the shape-only layers, for use in a Sequential. Each
// forwards to the tensor op of the same name and prints as PyTorch prints it.

/// max(x, 0) elementwise (`nn.ReLU`).
public final class ReLU: Module {
    override public init() { super.init() }
    override public func forward(_ input: Tensor) throws -> Tensor { try Tensor._relu(input) }
}

/// x for x > 0, negativeSlope * x otherwise (`nn.LeakyReLU`, default slope 0.01).
public final class LeakyReLU: Module {
    /// The slope for negative inputs.
    public let negativeSlope: Float

    public init(negativeSlope: Float = 0.01) {
        _trap { try LeakyReLU.check(negativeSlope) }
        self.negativeSlope = negativeSlope
        super.init()
    }

    private init(checked negativeSlope: Float) {
        self.negativeSlope = negativeSlope
        super.init()
    }

    private static func check(_ slope: Float) throws {
        guard slope.isFinite else { throw SwishError.invalidArgument("negative_slope must be finite, got \(slope)") }
    }

    /// The throwing constructor the C ABI uses.
    package static func _make(negativeSlope: Float) throws -> LeakyReLU {
        try check(negativeSlope)
        return LeakyReLU(checked: negativeSlope)
    }

    override public func forward(_ input: Tensor) throws -> Tensor {
        try Tensor._leakyRelu(input, negativeSlope: negativeSlope)
    }

    override public var extraDescription: String { "negative_slope=\(negativeSlope)" }
}

/// 1 / (1 + e^-x) elementwise (`nn.Sigmoid`).
public final class Sigmoid: Module {
    override public init() { super.init() }
    override public func forward(_ input: Tensor) throws -> Tensor { try Tensor._sigmoid(input) }
}

/// tanh(x) elementwise (`nn.Tanh`).
public final class Tanh: Module {
    override public init() { super.init() }
    override public func forward(_ input: Tensor) throws -> Tensor { try Tensor._tanh(input) }
}

/// x * Phi(x), exactly or with the tanh approximation (`nn.GELU(approximate=...)`).
public final class GELU: Module {
    /// Which formula is used.
    public let approximate: GELUApproximation

    public init(approximate: GELUApproximation = .none) {
        self.approximate = approximate
        super.init()
    }

    override public func forward(_ input: Tensor) throws -> Tensor { try Tensor._gelu(input, approximate: approximate) }

    override public var extraDescription: String { approximate == .tanh ? "approximate='tanh'" : "approximate='none'" }
}

/// x * sigmoid(x) elementwise, also called swish (`nn.SiLU`).
public final class SiLU: Module {
    override public init() { super.init() }
    override public func forward(_ input: Tensor) throws -> Tensor { try Tensor._silu(input) }
}

/// Flattens dims startDim...endDim into one (`nn.Flatten`, default 1 to -1: keeps the batch dim).
public final class Flatten: Module {
    public let startDim: Int
    public let endDim: Int

    public init(startDim: Int = 1, endDim: Int = -1) {
        self.startDim = startDim
        self.endDim = endDim
        super.init()
    }

    override public func forward(_ input: Tensor) throws -> Tensor {
        try Tensor._flatten(input, start: startDim, end: endDim)
    }

    override public var extraDescription: String { "start_dim=\(startDim), end_dim=\(endDim)" }
}

/// Returns its input unchanged (`nn.Identity`), a placeholder in a Sequential.
public final class Identity: Module {
    override public init() { super.init() }
    override public func forward(_ input: Tensor) throws -> Tensor { input }
}
