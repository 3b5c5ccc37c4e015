#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fully connected layer, y = x @ weight^T + bias (PyTorch's `nn.Linear`).
///
/// `weight` has shape [out_features, in_features] and `bias` [out_features]; both start as PyTorch
/// initializes them, uniform in ±1/sqrt(in_features), drawn from the layer's generator (or the default
/// one). The input may have any number of leading batch dimensions.
///
/// ```swift
/// let layer = Linear(4, 8)
/// let y = layer(Tensor.rand([2, 4]))   // [2, 8]
/// print(layer)                          // Linear(in_features=4, out_features=8, bias=True)
/// ```
public class Linear: Module {
    /// The size of each output sample.
    public let outFeatures: Int
    /// Whether the layer adds a learned bias.
    public let hasBias: Bool
    /// Where the initial values are drawn from (nil: ``Generator/default``).
    package let generator: Generator?

    /// A layer whose parameters are declared but not created: the in_features are not known yet.
    package init(outFeatures: Int, hasBias: Bool, generator: Generator?) {
        self.outFeatures = outFeatures
        self.hasBias = hasBias
        self.generator = generator
        super.init()
        // Names are fixed and the module is empty, so registering cannot fail.
        try! _registerUninitializedParameter("weight", pendingShape: [outFeatures, nil])
        if hasBias { try! _registerUninitializedParameter("bias", pendingShape: [outFeatures]) }
    }

    static func checkFeatures(_ n: Int, _ what: String) throws {
        guard n >= 0 else { throw SwishError.invalidArgument("\(what) must be >= 0, got \(n)") }
    }

    /// A layer from `inFeatures` to `outFeatures`, its parameters initialized as PyTorch's.
    public convenience init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: Generator? = nil) {
        _trap {
            try Linear.checkFeatures(inFeatures, "in_features")
            try Linear.checkFeatures(outFeatures, "out_features")
        }
        self.init(outFeatures: outFeatures, hasBias: bias, generator: generator)
        _trap { try _materialize(inFeatures: inFeatures) }
    }

    /// The throwing constructor the C ABI uses.
    package static func _make(inFeatures: Int, outFeatures: Int, bias: Bool, generator: Generator?) throws -> Linear {
        try checkFeatures(inFeatures, "in_features")
        try checkFeatures(outFeatures, "out_features")
        let layer = Linear(outFeatures: outFeatures, hasBias: bias, generator: generator)
        try layer._materialize(inFeatures: inFeatures)
        return layer
    }

    /// The size of each input sample: the weight's second dimension, 0 while a ``LazyLinear`` has not seen
    /// an input (as PyTorch prints it).
    public var inFeatures: Int { _parameterSlots[0].tensor?.shape[1] ?? 0 }

    /// The weight, [out_features, in_features]. Traps while a ``LazyLinear`` is uninitialized.
    public var weight: Tensor {
        get { self[dynamicMember: "weight"] }
        set { self[dynamicMember: "weight"] = newValue }
    }

    /// The bias, [out_features], or nil for a layer made with `bias: false`.
    public var bias: Tensor? {
        get { hasBias ? self[dynamicMember: "bias"] : nil }
        set {
            guard let newValue else {
                return _trap { throw SwishError.invalidArgument("cannot remove the bias of a Linear") }
            }
            self[dynamicMember: "bias"] = newValue
        }
    }

    /// Creates the parameters that are still uninitialized for inputs of `inFeatures` features and
    /// initializes them as PyTorch's `reset_parameters` does. Nothing is changed if it fails.
    package func _materialize(inFeatures: Int) throws {
        try Linear.checkFeatures(inFeatures, "in_features")
        // A weight loaded from a state dict already fixes in_features.
        let fanIn = _parameterSlots[0].tensor?.shape[1] ?? inFeatures
        var created: [(index: Int, tensor: Tensor)] = []
        for (i, slot) in _parameterSlots.enumerated() where slot.tensor == nil {
            let shape = try Shape.validated(slot.pendingShape.map { $0 ?? fanIn })
            created.append((i, try Tensor(zeroed: shape)))
        }
        for (i, t) in created {
            if _parameterSlots[i].name == "weight" {
                try Linear.initializeWeight(t, generator: generator)
            } else {
                try Linear.initializeBias(t, fanIn: fanIn, generator: generator)
            }
        }
        for (i, t) in created {
            t._requiresGrad = true
            _parameterSlots[i].tensor = t
        }
    }

    /// PyTorch's default, kaiming_uniform_(weight, a=sqrt(5)): gain sqrt(2 / (1 + 5)) makes its bound
    /// sqrt(3) * gain / sqrt(fan_in) exactly 1/sqrt(fan_in). An empty weight is left as is, as kaiming does.
    private static func initializeWeight(_ w: Tensor, generator: Generator?) throws {
        guard w.numel > 0 else { return }
        let bound = Float(1 / Double(try Init._fans(w).fanIn).squareRoot())
        try Init._uniform(w, a: -bound, b: bound, generator: generator)
    }

    /// PyTorch's default: uniform in ±1/sqrt(fan_in) (0 when fan_in is 0).
    private static func initializeBias(_ b: Tensor, fanIn: Int, generator: Generator?) throws {
        let bound = fanIn > 0 ? Float(1 / Double(fanIn).squareRoot()) : 0
        try Init._uniform(b, a: -bound, b: bound, generator: generator)
    }

    /// Draws new initial values for the weight and bias, as at construction (PyTorch's `reset_parameters`).
    public func resetParameters() {
        _trap {
            try Linear.initializeWeight(try _ownTensor(named: "weight"), generator: generator)
            if hasBias {
                try Linear.initializeBias(try _ownTensor(named: "bias"), fanIn: inFeatures, generator: generator)
            }
        }
    }

    override public func forward(_ input: Tensor) throws -> Tensor {
        // The weight is slot 0 and the bias slot 1 (registered first, in that order, by the initializer);
        // reading the slots directly saves two name lookups on every call.
        guard let w = _parameterSlots[0].tensor else { throw uninitializedError("weight") }
        var b: Tensor? = nil
        if hasBias {
            guard let t = _parameterSlots[1].tensor else { throw uninitializedError("bias") }
            b = t
        }
        return try Tensor._linear(input, w, b)
    }

    override public var extraDescription: String {
        "in_features=\(inFeatures), out_features=\(outFeatures), bias=\(hasBias ? "True" : "False")"
    }
}

/// A ``Linear`` layer whose in_features are inferred from its first input (PyTorch's `nn.LazyLinear`).
///
/// Until that first call its parameters are uninitialized: reading them is an error, and it prints as
/// `LazyLinear(in_features=0, out_features=8, bias=True)`. The first call creates and initializes them
/// for the input's last dimension; from then on it is a ``Linear`` (it prints and reports its type as
/// `Linear`, as PyTorch's LazyLinear turns into a Linear). Loading a state dict also creates them.
///
/// ```swift
/// let net = Sequential(LazyLinear(8), ReLU(), LazyLinear(1))
/// net(Tensor.rand([2, 4]))
/// net[0].weight.shape   // [8, 4]
/// ```
public final class LazyLinear: Linear {
    /// A layer to `outFeatures` features whose in_features come from its first input.
    public init(_ outFeatures: Int, bias: Bool = true, generator: Generator? = nil) {
        _trap { try Linear.checkFeatures(outFeatures, "out_features") }
        super.init(outFeatures: outFeatures, hasBias: bias, generator: generator)
    }

    private init(checked outFeatures: Int, bias: Bool, generator: Generator?) {
        super.init(outFeatures: outFeatures, hasBias: bias, generator: generator)
    }

    /// The throwing constructor the C ABI uses.
    package static func _makeLazy(outFeatures: Int, bias: Bool, generator: Generator?) throws -> LazyLinear {
        try checkFeatures(outFeatures, "out_features")
        return LazyLinear(checked: outFeatures, bias: bias, generator: generator)
    }

    /// Whether the parameters exist yet.
    public var isInitialized: Bool { _parameterSlots.allSatisfy { $0.tensor != nil } }

    override public var typeName: String { isInitialized ? "Linear" : "LazyLinear" }

    override public func forward(_ input: Tensor) throws -> Tensor {
        if !isInitialized {
            guard input.ndim >= 1 else {
                throw SwishError.invalidArgument(
                    "LazyLinear infers in_features from the input's last dimension, but the input is 0-d")
            }
            try _materialize(inFeatures: input.shape[input.ndim - 1])
        }
        return try super.forward(input)
    }
}
