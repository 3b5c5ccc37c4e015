import Synchronization

/// A parameter a module owns: its tensor, or nil while a lazy module has not yet seen the input that fixes
/// its shape (PyTorch's `UninitializedParameter`).
package struct ParameterSlot {
    package var name: String
    package var tensor: Tensor?
    /// For an uninitialized parameter: the sizes known up front, nil where the first input decides
    /// (`LazyLinear(8)`'s weight is `[8, nil]`).
    package var pendingShape: [Int?]
}

/// A buffer a module owns: state that is not trained (running statistics, fixed random weights).
package struct BufferSlot {
    package var name: String
    package var tensor: Tensor
    /// Whether the buffer is part of the module's ``Module/stateDict()``.
    package var persistent: Bool
}

/// A layer or a network: named parameters, named buffers and named child modules, in registration order,
/// and a ``forward(_:)`` (PyTorch's `nn.Module`).
///
/// Modules have reference semantics: a module placed in two positions is one module, so its parameters are
/// shared (tied). A Swift module subclasses `Module` and overrides ``forward(_:)``; its stored properties of
/// module type are its children, named after the properties, in declaration order:
///
/// ```swift
/// final class MLP: Module {
///     let hidden = LazyLinear(256)
///     let out = LazyLinear(10)
///     override func forward(_ x: Tensor) -> Tensor { out(hidden(x).relu()) }
/// }
/// let net = MLP()
/// let y = net(Tensor.rand([2, 20]))          // [2, 10]
/// for (name, p) in net.namedParameters() { print(name, p.shape) }   // hidden.weight [256, 20] ...
/// ```
///
/// Parameters and buffers are registered with ``registerParameter(_:_:)`` and
/// ``registerBuffer(_:_:persistent:)`` and read back by name as if they were properties
/// (`net[2].weight`, `self.rand_weight`); children can also be registered explicitly with
/// ``registerModule(_:_:)``. Names follow PyTorch (`0.weight`, `net.2.bias`, `hidden.weight`).
///
/// Store a reference to a parent module only as a non-module type: a stored property of module type is
/// a child, so a parent stored in a child would make the module contain itself.
/// Optional module properties (and `lazy` ones, stored as optionals), recognised while reflecting.
private protocol _OptionalModule {}
extension Optional: _OptionalModule where Wrapped: Module {}

@dynamicMemberLookup
open class Module: CustomStringConvertible {
    /// Own parameters, in registration order.
    @exclusivity(unchecked) package var _parameterSlots: [ParameterSlot] = [] { didSet { Module.treeChanged() } }
    /// Own buffers, in registration order.
    @exclusivity(unchecked) package var _bufferSlots: [BufferSlot] = []
    /// Children registered with registerModule (Sequential's layers, C modules' children).
    @exclusivity(unchecked) package var _registeredChildren: [(name: String, module: Module)] = [] {
        didSet { Module.treeChanged() }
    }

    /// Counts changes to any module's parameters or registered children, so that a module can keep what it
    /// derived from its tree (``zeroGrad()``'s list of parameters) until some tree changes. Global rather
    /// than per tree: a module does not know its parents.
    private static let treeVersion = Atomic<UInt64>(0)
    private static func treeChanged() { treeVersion.add(1, ordering: .relaxed) }

    /// The parameters of the whole tree, each once, as ``zeroGrad()`` last found them, with the
    /// ``treeVersion`` they were found at; nil when the tree has children that reflection must look for
    /// on every walk. (It holds its tensors: a parameter replaced since is let go by the next zeroGrad.)
    @exclusivity(unchecked) private var _zeroGradList: (version: UInt64, tensors: [Tensor])? = nil

    /// Whether the module is in training mode (``train(_:)``) or evaluation mode (``eval()``).
    @exclusivity(unchecked) public package(set) var training = true

    public init() {}

    // MARK: Forward

    /// Computes the module's output. Subclasses override it; the override may be non-throwing and may
    /// contain any Swift code and control flow.
    ///
    /// The base implementation throws, as PyTorch raises for a module without a forward.
    open func forward(_ input: Tensor) throws -> Tensor {
        throw SwishError.state("Module [\(typeName)] is missing the required \"forward\" function")
    }

    /// Runs ``forward(_:)``: `net(x)`. Traps with the engine's message when the forward fails.
    public func callAsFunction(_ input: Tensor) -> Tensor { _trap { try forward(input) } }

    // MARK: Names shown when printing

    /// The name printed for this module and returned to C by `swish_module_type_name` (PyTorch's
    /// `type(module).__name__`): the Swift class name by default.
    open var typeName: String { String(describing: type(of: self)) }

    /// The module's settings, printed between its parentheses (PyTorch's `extra_repr`), e.g.
    /// `in_features=4, out_features=8, bias=True`. Empty by default.
    open var extraDescription: String { "" }

    // MARK: Children

    /// The direct children in registration order, duplicates kept (PyTorch's `_modules`): stored properties
    /// of module type first (base classes' before subclasses', each in declaration order), then the
    /// explicitly registered ones.
    package var _children: [(name: String, module: Module)] {
        let reflected = reflectedChildren
        return reflected.isEmpty ? _registeredChildren : reflected + _registeredChildren
    }

    /// Calls `body` on each direct child, in ``_children``'s order, without building that array or
    /// retaining the names (zero_grad's walk, every step).
    @inline(__always)
    package func _forEachChild(_ body: (Module) -> Void) {
        let reflected = reflectedChildren
        for i in reflected.indices { body(reflected[i].module) }
        let registered = _registeredChildren
        for i in registered.indices { body(registered[i].module) }
    }

    /// Children held in stored properties of Swift subclasses (a `let hidden = LazyLinear(256)` is the
    /// child `hidden`, as assigning `self.hidden` registers it in PyTorch). An optional property holding
    /// nil is no child.
    ///
    /// Reflection is slow (on every walk it cost more than the rest of a small training step, and
    /// zero_grad walks the tree each step), so its result is remembered when it cannot change by itself:
    /// when no module-typed property is optional or `lazy`. Such properties are reflected on every walk.
    /// A non-optional child declared `var` and reassigned after the first walk is not seen: declare child
    /// modules with `let`, or register a replacement with ``registerModule(_:_:)``.
    private var reflectedChildren: [(name: String, module: Module)] {
        if let cached = _reflectedChildrenCache { return cached }
        let (found, stable) = reflectChildren()
        if stable { _reflectedChildrenCache = found }
        return found
    }

    @exclusivity(unchecked) private var _reflectedChildrenCache: [(name: String, module: Module)]? = nil

    /// Whether this module's children change only through ``registerModule(_:_:)`` (which counts as a tree
    /// change): true once reflection found no optional or `lazy` module property.
    package var _childrenAreStable: Bool { _reflectedChildrenCache != nil }

    /// The children found by reflection, and whether that list can only change by reassigning a `let`.
    private func reflectChildren() -> (children: [(name: String, module: Module)], stable: Bool) {
        var levels: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let m = mirror, ObjectIdentifier(m.subjectType) != ObjectIdentifier(Module.self) {
            levels.append(m)
            mirror = m.superclassMirror
        }
        var out: [(name: String, module: Module)] = []
        var stable = true
        for m in levels.reversed() {
            for child in m.children {
                if child.value is _OptionalModule { stable = false }  // optional or lazy: may change
                guard var label = child.label, let module = child.value as? Module else { continue }
                let lazyPrefix = "$__lazy_storage_$_"
                if label.hasPrefix(lazyPrefix) { label.removeFirst(lazyPrefix.count) }
                out.append((label, module))
            }
        }
        return (out, stable)
    }

    /// The child at `index` in registration order (negative counts from the end), as `net[2]` in PyTorch.
    package func _child(at index: Int) throws -> Module {
        let children = _children
        let n = children.count
        guard index >= -n && index < n else {
            throw SwishError.invalidArgument("index \(index) is out of range (\(typeName) has \(n) children)")
        }
        return children[index < 0 ? index + n : index].module
    }

    /// The child at `index` (negative counts from the end): `net[2]`, `net[-1]`. Traps when out of range.
    public subscript(index: Int) -> Module { _trap { try _child(at: index) } }

    /// The module at a dotted path of child names (`"net.2"`; `""` is this module), PyTorch's
    /// `get_submodule`.
    package func _submodule(_ path: String) throws -> Module {
        if path.isEmpty { return self }
        var module = self
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let next = module._children.first(where: { $0.name == part })?.module else {
                throw SwishError.invalidArgument(
                    "\(module.typeName) has no child module `\(part)` (looking up '\(path)')")
            }
            module = next
        }
        return module
    }

    /// The module at a dotted path of child names: `net.submodule("0.net.2")`. Traps if there is none.
    public func submodule(_ path: String) -> Module { _trap { try _submodule(path) } }

    /// Splits "a.b.weight" into the module at "a.b" and "weight".
    private func owner(of path: String) throws -> (Module, String) {
        guard let dot = path.lastIndex(of: ".") else { return (self, path) }
        return (try _submodule(String(path[..<dot])), String(path[path.index(after: dot)...]))
    }

    // MARK: Parameters and buffers by name

    /// The own parameter or buffer called `name`; a state error for an uninitialized lazy parameter.
    package func _ownTensor(named name: String) throws -> Tensor {
        if let slot = _parameterSlots.first(where: { $0.name == name }) {
            guard let t = slot.tensor else { throw uninitializedError(name) }
            return t
        }
        if let slot = _bufferSlots.first(where: { $0.name == name }) { return slot.tensor }
        throw SwishError.invalidArgument("\(typeName) has no parameter or buffer `\(name)`")
    }

    package func uninitializedError(_ name: String) -> SwishError {
        .state(
            "the parameter '\(name)' of \(typeName) is uninitialized: a lazy module infers its shape from its first input, so call the module (or load a state dict) before using its parameters"
        )
    }

    /// Replaces the own parameter or buffer called `name` by `tensor` (assigning `b.weight = a.weight` ties
    /// them, as in PyTorch). A parameter must be a float leaf; it is marked as requiring grad.
    package func _setOwnTensor(named name: String, _ tensor: Tensor) throws {
        if let i = _parameterSlots.firstIndex(where: { $0.name == name }) {
            try Module.checkParameter(tensor, name)
            let slot = _parameterSlots[i]
            if slot.tensor == nil {
                guard Module.matches(tensor.shape, slot.pendingShape) else {
                    throw SwishError.shape(
                        "cannot set the uninitialized parameter '\(name)' of \(typeName) (shape \(Module.describe(slot.pendingShape))) to a tensor of shape \(tensor.shape)"
                    )
                }
            }
            try tensor.setRequiresGrad(true)
            _parameterSlots[i].tensor = tensor
        } else if let i = _bufferSlots.firstIndex(where: { $0.name == name }) {
            _bufferSlots[i].tensor = tensor
        } else {
            throw SwishError.invalidArgument("\(typeName) has no parameter or buffer `\(name)`")
        }
    }

    /// The module's own parameter or buffer called `name`, read like a property: `net[2].weight`,
    /// `self.rand_weight`. Assigning replaces it (`net[4].weight = net[2].weight` ties the two).
    /// Traps for an unknown name and for a lazy module's parameter before its first call.
    public subscript(dynamicMember name: String) -> Tensor {
        get { _trap { try _ownTensor(named: name) } }
        set { _trap { try _setOwnTensor(named: name, newValue) } }
    }

    /// The parameter at a dotted path (`"net.2.bias"`), PyTorch's `get_parameter`.
    package func _parameter(_ path: String) throws -> Tensor {
        let (module, name) = try owner(of: path)
        guard let slot = module._parameterSlots.first(where: { $0.name == name }) else {
            throw SwishError.invalidArgument("\(module.typeName) has no parameter `\(name)` (looking up '\(path)')")
        }
        guard let t = slot.tensor else { throw module.uninitializedError(name) }
        return t
    }

    /// The buffer at a dotted path, PyTorch's `get_buffer`.
    package func _buffer(_ path: String) throws -> Tensor {
        let (module, name) = try owner(of: path)
        guard let slot = module._bufferSlots.first(where: { $0.name == name }) else {
            throw SwishError.invalidArgument("\(module.typeName) has no buffer `\(name)` (looking up '\(path)')")
        }
        return slot.tensor
    }

    /// The parameter at a dotted path: `net.parameter("2.bias")`. Traps if there is none.
    public func parameter(_ path: String) -> Tensor { _trap { try _parameter(path) } }

    /// The buffer at a dotted path: `chimera.buffer("2.rand_weight")`. Traps if there is none.
    public func buffer(_ path: String) -> Tensor { _trap { try _buffer(path) } }

    // MARK: Registration

    /// Whether `name` is taken by a parameter, buffer or child of this module.
    private func hasAttribute(_ name: String) -> Bool {
        _parameterSlots.contains { $0.name == name } || _bufferSlots.contains { $0.name == name }
            || _children.contains { $0.name == name }
    }

    private func checkNewName(_ name: String, _ what: String) throws {
        guard !name.isEmpty else { throw SwishError.invalidArgument("\(what) name can't be empty string \"\"") }
        guard !name.contains(".") else { throw SwishError.invalidArgument("\(what) name can't contain \".\", got '\(name)'") }
        guard !hasAttribute(name) else {
            throw SwishError.invalidArgument("attribute '\(name)' already exists in \(typeName)")
        }
    }

    private static func checkParameter(_ tensor: Tensor, _ name: String) throws {
        guard tensor.isLeaf else {
            throw SwishError.invalidArgument(
                "cannot use a non-leaf tensor as the parameter '\(name)': parameters must be created explicitly (register tensor.detach() to cut it from the graph)"
            )
        }
        guard tensor.dtype == .float32 else {
            throw SwishError.invalidArgument("the parameter '\(name)' must be a float tensor, got \(tensor.dtype)")
        }
    }

    package func _registerParameter(_ name: String, _ tensor: Tensor) throws {
        try checkNewName(name, "parameter")
        try Module.checkParameter(tensor, name)
        try tensor.setRequiresGrad(true)
        _parameterSlots.append(ParameterSlot(name: name, tensor: tensor, pendingShape: []))
    }

    /// Declares a parameter whose shape is only partly known until the first input (lazy modules).
    package func _registerUninitializedParameter(_ name: String, pendingShape: [Int?]) throws {
        try checkNewName(name, "parameter")
        _parameterSlots.append(ParameterSlot(name: name, tensor: nil, pendingShape: pendingShape))
    }

    package func _registerBuffer(_ name: String, _ tensor: Tensor, persistent: Bool) throws {
        try checkNewName(name, "buffer")
        _bufferSlots.append(BufferSlot(name: name, tensor: tensor, persistent: persistent))
    }

    package func _registerModule(_ name: String, _ module: Module) throws {
        try checkNewName(name, "module")
        if module === self || module.namedModules().contains(where: { $0.module === self }) {
            throw SwishError.invalidArgument(
                "cannot register '\(name)': the \(module.typeName) contains this \(typeName), so the module would contain itself")
        }
        _registeredChildren.append((name, module))
    }

    /// Adds a trainable parameter (PyTorch's `register_parameter`). The tensor itself becomes the parameter
    /// (it is marked as requiring grad); it must be a float leaf. Traps if the name is empty, contains a
    /// dot, or is already taken.
    public func registerParameter(_ name: String, _ tensor: Tensor) {
        _trap { try _registerParameter(name, tensor) }
    }

    /// Adds a buffer: state that is not trained (PyTorch's `register_buffer`). A persistent buffer is part
    /// of ``stateDict()``; a non-persistent one is only listed by ``namedBuffers()``.
    public func registerBuffer(_ name: String, _ tensor: Tensor, persistent: Bool = true) {
        _trap { try _registerBuffer(name, tensor, persistent: persistent) }
    }

    /// Adds a child module (PyTorch's `register_module`), after the children held in stored properties.
    public func registerModule(_ name: String, _ module: Module) {
        _trap { try _registerModule(name, module) }
    }

    // MARK: Modes, gradients, apply

    /// Sets training mode (`true`) or evaluation mode on this module and every descendant. Returns self.
    @discardableResult
    public func train(_ mode: Bool = true) -> Self {
        training = mode
        for child in children() { child.train(mode) }
        return self
    }

    /// Sets evaluation mode: `train(false)`.
    @discardableResult
    public func eval() -> Self { train(false) }

    /// Forgets the gradients of every parameter (PyTorch's `zero_grad()`, which sets them to None).
    ///
    /// A training step calls it every time on the same tree, so the parameters it found are kept for the
    /// next call until any module's parameters or children change (walking the tree was 4% of a small
    /// network's step).
    public func zeroGrad() {
        let version = Module.treeVersion.load(ordering: .relaxed)
        if let list = _zeroGradList, list.version == version {
            for i in list.tensors.indices { list.tensors[i].zeroGrad() }
            return
        }
        var tensors: [Tensor] = []
        var stable = true
        _forEachModule { module in
            // By index, reading the one field: a slot copied out is three references retained and released.
            for i in module._parameterSlots.indices {
                guard let t = module._parameterSlots[i].tensor else { continue }
                t.zeroGrad()
                if !tensors.contains(where: { $0 === t }) { tensors.append(t) }
            }
            stable = stable && module._childrenAreStable
        }
        _zeroGradList = stable ? (version, tensors) : nil
    }

    /// Calls `fn` on every child (recursively) and then on this module, children before parents, as
    /// PyTorch's `nn.Module.apply`: a module placed twice in the same parent is visited once. Returns self.
    ///
    /// ```swift
    /// net.apply { m in if m is Linear { Init.constant_(m.weight, 1) } }
    /// ```
    @discardableResult
    public func apply(_ fn: (Module) throws -> Void) rethrows -> Self {
        for child in children() { try child.apply(fn) }
        try fn(self)
        return self
    }

    // MARK: Shape helpers

    /// Whether `shape` fits a pending shape (nil entries accept any size).
    package static func matches(_ shape: Shape, _ pending: [Int?]) -> Bool {
        guard shape.rank == pending.count else { return false }
        for (d, p) in zip(shape, pending) where p != nil && p != d { return false }
        return true
    }

    /// `[8, ?]`
    package static func describe(_ pending: [Int?]) -> String {
        "[" + pending.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + "]"
    }
}
