/// A chain of modules applied in order, each to the previous one's output (PyTorch's `nn.Sequential`).
///
/// The children are named by position ("0", "1", ...), so parameter names read `0.weight`, `2.bias`.
/// Placing the same module twice ties its parameters:
///
/// ```swift
/// let shared = LazyLinear(8)
/// let net = Sequential(LazyLinear(8), ReLU(), shared, ReLU(), shared, ReLU(), LazyLinear(1))
/// net(x)
/// net[2].weight === net[4].weight   // true
/// ```
open class Sequential: Module {
    /// A chain of `modules`, in order.
    public init(_ modules: [Module]) {
        super.init()
        // A new container cannot be inside its children, and the names "0", "1", ... are fresh.
        for m in modules { try! _append(m) }
    }

    /// A chain of the given modules, in order: `Sequential(Linear(4, 8), ReLU(), Linear(8, 1))`.
    public convenience init(_ modules: Module...) { self.init(modules) }

    package func _append(_ module: Module) throws { try _registerModule(String(_children.count), module) }

    /// Adds `module` at the end, named by its position. Returns self.
    @discardableResult
    public func append(_ module: Module) -> Self {
        _trap { try _append(module) }
        return self
    }

    /// The number of modules in the chain (`len(net)`).
    public var count: Int { _children.count }

    override open func forward(_ input: Tensor) throws -> Tensor {
        var x = input
        for (_, module) in _children { x = try module.forward(x) }
        return x
    }
}
