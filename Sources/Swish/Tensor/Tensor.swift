import Synchronization

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
    /// The first element.
    package let pointer: UnsafeMutablePointer<Float>
    /// The start of the block of memory the elements are in. Every tensor viewing the same memory has the
    /// same block, so it identifies that memory (``sharesMemory(with:)``).
    package let block: UnsafeMutableRawPointer
    /// The bytes reserved for ``block`` when this tensor allocated it, 0 for a view. The tensor frees the
    /// block with itself unless it has handed it to a shared ``Storage``.
    private let allocatedBytes: Int
    /// The ``Storage`` owning ``block`` once more than one tensor uses it, as `Unmanaged` bits holding one
    /// reference; 0 while this tensor is the block's only user. Atomic because the first view of a tensor
    /// sets it, and reading one tensor from several threads at once is allowed.
    private let sharedOwner: Atomic<UInt>
    /// The sizes of the dimensions.
    public let shape: Shape
    /// The element type tag.
    public let dtype: DType
    @exclusivity(unchecked) package var _requiresGrad: Bool
    /// Whether a non-leaf keeps its gradient in ``grad`` after backward (``retainGrad()``).
    @exclusivity(unchecked) package var retainsGrad = false
    /// Backward's scratch: the gradient summed for this leaf during one pass, until it is committed.
    @exclusivity(unchecked) package var _pendingGrad: Tensor?
    /// The accumulated gradient: set by ``backward(gradient:retainGraph:)`` on leaves that require grad.
    @exclusivity(unchecked) public package(set) var grad: Tensor?
    /// A former gradient kept for reuse by ``zeroGrad()``.
    @exclusivity(unchecked) private var spareGrad: Tensor?

    // The autograd node of the op that produced this tensor, kept in the tensor itself (Node.swift): set by
    // `record`, all empty on a leaf.
    /// The op's inputs that require grad, and when `savesTensors` all of them (``needsGrad(_:)`` tells
    /// which get a gradient).
    @exclusivity(unchecked) package var in0: Tensor?
    @exclusivity(unchecked) package var in1: Tensor?
    @exclusivity(unchecked) package var in2: Tensor?
    /// Turns this tensor's gradient into its inputs'. Nil on a leaf, and once a backward without
    /// `retainGraph` has freed the graph.
    @exclusivity(unchecked) package var backwardFn: ((Node, Tensor) throws -> Grads)?
    /// The name PyTorch gives the backward function (`AddBackward0`); nil on a leaf. A static string: no
    /// reference counting per op, and C gets its NUL-terminated bytes as they are.
    @exclusivity(unchecked) package var opName: StaticString?
    /// Backward's scratch: the sum of the consumers' gradients during one pass, until this node runs.
    @exclusivity(unchecked) package var pending: Tensor?
    /// The pass that last visited this node (each pass takes a fresh number, so nothing is cleared).
    @exclusivity(unchecked) package var mark: UInt64 = 0
    /// The longest chain of recorded ops behind this tensor: 0 for a leaf, 1 for an op on leaves.
    @exclusivity(unchecked) package var depth: Int32 = 0
    /// A number from the forward pass that the backward function reads (the `s` of `x * s`).
    @exclusivity(unchecked) package var savedScalar: Float = 0
    /// Bit k: input k requires grad.
    @exclusivity(unchecked) package var gradMask: UInt8 = 0
    /// Whether the backward function reads tensors from the forward pass (a second backward then needs
    /// retainGraph).
    @exclusivity(unchecked) package var savesTensors = false
    /// Set when a backward freed this node's saved tensors.
    @exclusivity(unchecked) package var freed = false
    /// Set by backward just before it calls the backward function: the gradient it passes is referenced
    /// nowhere else and shares no memory, so the function may write its result into it (``Tensor/_mapGrad(_:of:_:)``).
    @exclusivity(unchecked) package var gradIsScratch = false

    /// A tensor over a block it allocated (and frees with itself until a view shares it).
    private init(allocated memory: (block: UnsafeMutableRawPointer, bytes: Int), shape: Shape, dtype: DType) {
        block = memory.block
        pointer = memory.block.assumingMemoryBound(to: Float.self)
        allocatedBytes = memory.bytes
        sharedOwner = Atomic(0)
        self.shape = shape
        self.dtype = dtype
        _requiresGrad = false
    }

    /// A new tensor with uninitialized memory.
    package convenience init(uninitialized shape: Shape, dtype: DType = .float32) throws {
        // Checked again: Shape's subscript is settable, and an edited size could make numel wrap.
        self.init(allocated: try TensorMemory.allocate(count: try shape.checkedNumel()), shape: shape, dtype: dtype)
    }

    /// A new tensor filled with zeros.
    package convenience init(zeroed shape: Shape, dtype: DType = .float32) throws {
        self.init(
            allocated: try TensorMemory.allocate(count: try shape.checkedNumel(), zeroed: true), shape: shape,
            dtype: dtype)
    }

    /// A new tensor holding a copy of `scalars`, for the Swift surface's initializers: traps with the
    /// engine's message when the count does not match `shape` or memory runs out. (An initializer that
    /// made a tensor and viewed it would give every such tensor a shared owner it does not need.)
    package convenience init(copying scalars: [Float], shape: Shape, dtype: DType) {
        let memory = _trap {
            guard scalars.count == shape.numel else {
                throw SwishError.shape("shape \(shape) needs \(shape.numel) values, got \(scalars.count)")
            }
            return try TensorMemory.allocate(count: try shape.checkedNumel())
        }
        self.init(allocated: memory, shape: shape, dtype: dtype)
        scalars.withUnsafeBufferPointer { s in
            if let base = s.baseAddress, s.count > 0 { pointer.update(from: base, count: s.count) }
        }
    }

    /// A view of `source`'s memory starting `offset` elements after its first element.
    package init(viewing source: Tensor, offset: Int = 0, shape: Shape, dtype: DType) {
        let owner = source.sharedStorage()
        block = source.block
        pointer = source.pointer + offset
        allocatedBytes = 0
        sharedOwner = Atomic(UInt(bitPattern: Unmanaged.passRetained(owner).toOpaque()))
        self.shape = shape
        self.dtype = dtype
        _requiresGrad = false
    }

    deinit {
        if depth > Node.recursiveReleaseDepth { Node.releaseIteratively(self) }
        let bits = sharedOwner.load(ordering: .acquiring)
        if bits != 0 {
            Unmanaged<Storage>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!).release()
        } else if allocatedBytes > 0 {
            BlockCache.free(block, bytes: allocatedBytes)
        }
    }

    /// The owner of this tensor's block, made the first time the block gets a second user.
    private func sharedStorage() -> Storage {
        let bits = sharedOwner.load(ordering: .acquiring)
        if bits != 0 {
            return Unmanaged<Storage>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!).takeUnretainedValue()
        }
        // Only a tensor that allocated its block gets here: a view is made with its owner set.
        let made = Storage(adopting: block, bytes: allocatedBytes)
        let retained = Unmanaged.passRetained(made)
        let (won, current) = sharedOwner.compareExchange(
            expected: 0, desired: UInt(bitPattern: retained.toOpaque()), ordering: .acquiringAndReleasing)
        if won { return made }
        made.ownsBlock = false  // another thread's view got there first
        retained.release()
        return Unmanaged<Storage>.fromOpaque(UnsafeRawPointer(bitPattern: current)!).takeUnretainedValue()
    }

    /// Whether this tensor is the only user of its memory: it allocated the block and no view of it was
    /// ever made. (Conservative: a view that has since gone still counts.)
    package var ownsMemoryAlone: Bool { allocatedBytes > 0 && sharedOwner.load(ordering: .acquiring) == 0 }

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
        guard depth == 0 else {
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
    public var isLeaf: Bool { depth == 0 }

    /// The name of the backward function, as PyTorch prints it (`SumBackward0`), or nil for a leaf.
    public var gradFnName: String? { opName.map { $0.description } }

    /// Keeps the gradient of this non-leaf tensor in ``grad`` after backward.
    public func retainGrad() {
        guard depth > 0 else { return }
        retainsGrad = true
    }

    /// Forgets the accumulated gradient (PyTorch's `zero_grad(set_to_none=True)`, the default since 2.0).
    ///
    /// A gradient nothing else refers to is kept aside, out of sight, for the next backward to compute
    /// this tensor's gradient into (`takeSpareGrad()`): a training step then allocates and frees no
    /// gradient tensor for its parameters.
    public func zeroGrad() {
        if isKnownUniquelyReferenced(&grad), grad!.ownsMemoryAlone {
            spareGrad = grad.take()
        } else {
            grad = nil
        }
    }

    /// The gradient ``zeroGrad()`` kept aside, for a backward function to write this tensor's new
    /// gradient into (every element), or nil.
    package func takeSpareGrad() -> Tensor? {
        guard isKnownUniquelyReferenced(&spareGrad), spareGrad!.shape == shape else { return nil }
        return spareGrad.take()
    }

    /// Replaces the gradient (used by optimizers' tests and by loading optimizer state).
    package func setGrad(_ g: Tensor?) { grad = g }

    // MARK: Views

    /// A tensor sharing this one's memory, cut off from the graph (`tensor.detach()`).
    public func detach() -> Tensor {
        Tensor(viewing: self, shape: shape, dtype: dtype)
    }

    /// The values without autograd history, sharing memory (PyTorch's `tensor.data`): writes through it
    /// change this tensor and are not recorded.
    public var data: Tensor { detach() }

    /// A view of the same memory with another shape and the same element count.
    package func view(as newShape: Shape, dtype newType: DType? = nil) -> Tensor {
        Tensor(viewing: self, shape: newShape, dtype: newType ?? dtype)
    }

    /// A new tensor with a copy of this one's values, outside any graph.
    package func copyDetached() throws -> Tensor {
        let t = try Tensor(uninitialized: shape, dtype: dtype)
        if numel > 0 { t.pointer.update(from: pointer, count: numel) }
        return t
    }

    /// Whether this tensor and `other` view overlapping memory.
    package func sharesMemory(with other: Tensor) -> Bool {
        block == other.block && pointer < other.pointer + other.numel && other.pointer < pointer + numel
    }
}
