/// The element type a tensor presents. Storage is always float32; the tag decides how values print and
/// which operations accept the tensor (comparison results are `bool`, `argmax` gives `int64`), the way
/// PyTorch's dtypes do for the cases Swish needs.
public enum DType: Int32, Sendable, CustomStringConvertible {
    case float32 = 0
    case bool = 1
    case int64 = 2

    public var description: String {
        switch self {
        case .float32: "torch.float32"
        case .bool: "torch.bool"
        case .int64: "torch.int64"
        }
    }
}

/// An n-dimensional array of float32 values, row-major and contiguous, that can record the operations
/// applied to it for reverse-mode differentiation.
///
/// ```swift
/// let x = Tensor([1, 2, 3], shape: [3], requiresGrad: true)
/// let y = (x * x).sum()
/// y.backward()
/// print(x.grad!)   // tensor([2., 4., 6.])
/// ```
///
/// Tensors have reference semantics: views made by ``reshape(_:)``, ``detach()``, ``data`` and indexing
/// share memory with the tensor they come from, as in PyTorch.
public final class Tensor {
    /// The memory this tensor views, starting at ``offset``. Never reassigned; a `var` only so autograd
    /// can ask whether a gradient's memory is referenced elsewhere (`isKnownUniquelyReferenced`).
    @exclusivity(unchecked) package var storage: Storage
    /// Element offset of this tensor's first element in ``storage``.
    package let offset: Int
    /// The sizes of the dimensions.
    public let shape: Shape
    /// The element type tag.
    public let dtype: DType
    /// The operation that produced this tensor, when it was recorded for autograd.
    @exclusivity(unchecked) package var gradFn: Node?
    @exclusivity(unchecked) package var _requiresGrad: Bool
    /// Whether a non-leaf keeps its gradient in ``grad`` after backward (``retainGrad()``).
    @exclusivity(unchecked) package var retainsGrad = false
    /// Backward's scratch: the gradient summed for this leaf during one pass, until it is committed.
    @exclusivity(unchecked) package var _pendingGrad: Tensor?
    /// The accumulated gradient: set by ``backward(gradient:retainGraph:)`` on leaves that require grad.
    @exclusivity(unchecked) public package(set) var grad: Tensor?

    package init(storage: Storage, offset: Int = 0, shape: Shape, dtype: DType = .float32) {
        self.storage = storage
        self.offset = offset
        self.shape = shape
        self.dtype = dtype
        self._requiresGrad = false
    }

    /// A new tensor with uninitialized memory.
    package convenience init(uninitialized shape: Shape, dtype: DType = .float32) throws {
        // Validated again: Shape's subscript is settable, and an edited size could make numel wrap.
        self.init(storage: try Storage(count: try Shape.validated(shape).numel), shape: shape, dtype: dtype)
    }

    /// A new tensor filled with zeros.
    package convenience init(zeroed shape: Shape, dtype: DType = .float32) throws {
        self.init(
            storage: try Storage(count: try Shape.validated(shape).numel, zeroed: true), shape: shape, dtype: dtype)
    }

    // MARK: Queries

    /// The number of dimensions.
    public var ndim: Int { shape.rank }
    /// The number of elements.
    public var numel: Int { shape.numel }
    /// The size of dimension `dim` (negative counts from the end).
    public func size(_ dim: Int) -> Int { _trap { try _size(dim) } }

    package func _size(_ dim: Int) throws -> Int {
        // normalize(dim:) lets a 0-d tensor reduce over dim 0 or -1, but it has no size to report.
        guard ndim > 0 else {
            throw SwishError.invalidArgument("Dimension specified as \(dim) but tensor has no dimensions")
        }
        return shape[try shape.normalize(dim: dim)]
    }

    /// Pointer to the first element. Valid while this tensor (or another view of the same storage) lives.
    package var pointer: UnsafeMutablePointer<Float> { storage.base + offset }

    /// The elements as a buffer (read-only use).
    package var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: pointer, count: numel) }
    /// The elements as a mutable buffer. Writing through it bypasses autograd.
    package var mutableBuffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: numel)
    }

    /// Calls `body` with the elements in row-major order.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(buffer) }
    }

    /// Calls `body` with the elements for writing. Writes are not recorded by autograd (like `tensor.data`).
    public func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try withExtendedLifetime(self) { try body(mutableBuffer) }
    }

    /// The elements, copied into an array in row-major order.
    public var scalars: [Float] { Array(buffer) }

    /// The value of a one-element tensor.
    public func item() -> Float { _trap { try itemChecked() } }

    package func itemChecked() throws -> Float {
        guard numel == 1 else {
            throw SwishError.invalidArgument(
                "a Tensor with \(numel) elements cannot be converted to Scalar")
        }
        return pointer.pointee
    }

    // MARK: Autograd state

    /// Whether operations on this tensor are recorded for differentiation.
    ///
    /// Only float tensors can require grad, and only a leaf's flag can be changed, as in PyTorch.
    public var requiresGrad: Bool {
        get { _requiresGrad }
        set { _trap { try setRequiresGrad(newValue) } }
    }

    package func setRequiresGrad(_ value: Bool) throws {
        guard gradFn == nil else {
            throw SwishError.state(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
            )
        }
        guard dtype == .float32 || !value else {
            throw SwishError.invalidArgument("only Tensors of floating point dtype can require gradients")
        }
        _requiresGrad = value
    }

    /// Sets ``requiresGrad`` and returns the tensor, for chaining (`x.requiresGrad_()`). As in PyTorch,
    /// asking a non-leaf (which always requires grad) to require grad is allowed and changes nothing.
    @discardableResult
    public func requiresGrad_(_ value: Bool = true) -> Tensor {
        if isLeaf || !value { requiresGrad = value }
        return self
    }

    /// A tensor is a leaf when no recorded operation produced it.
    public var isLeaf: Bool { gradFn == nil }

    /// The name of the backward function, as PyTorch prints it (`SumBackward0`), or nil for a leaf.
    public var gradFnName: String? { gradFn?.name }

    /// Keeps the gradient of this non-leaf tensor in ``grad`` after backward.
    public func retainGrad() {
        guard let fn = gradFn else { return }
        retainsGrad = true
        fn.retainedOutput = self
    }

    /// Forgets the accumulated gradient (PyTorch's `zero_grad(set_to_none=True)`, the default since 2.0).
    public func zeroGrad() { grad = nil }

    /// Replaces the gradient (used by optimizers' tests and by loading optimizer state).
    package func setGrad(_ g: Tensor?) { grad = g }

    // MARK: Views

    /// A tensor sharing this one's memory, cut off from the graph (`tensor.detach()`).
    public func detach() -> Tensor {
        Tensor(storage: storage, offset: offset, shape: shape, dtype: dtype)
    }

    /// The values without autograd history, sharing memory (PyTorch's `tensor.data`): writes through it
    /// change this tensor and are not recorded.
    public var data: Tensor { detach() }

    /// A view of the same memory with another shape and the same element count.
    package func view(as newShape: Shape, dtype newType: DType? = nil) -> Tensor {
        Tensor(storage: storage, offset: offset, shape: newShape, dtype: newType ?? dtype)
    }

    /// A new tensor with a copy of this one's values, outside any graph.
    package func copyDetached() throws -> Tensor {
        let t = try Tensor(uninitialized: shape, dtype: dtype)
        if numel > 0 { t.pointer.update(from: pointer, count: numel) }
        return t
    }

    /// Whether this tensor and `other` view overlapping memory.
    package func sharesMemory(with other: Tensor) -> Bool {
        storage === other.storage && offset < other.offset + other.numel && other.offset < offset + numel
    }
}
