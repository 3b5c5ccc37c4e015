// Walking a module tree the way PyTorch does: which modules, parameters and buffers are listed, under
// which names and in which order, and how state dicts are saved and loaded.
//
// PyTorch's rules, kept exactly:
// - named_modules: pre-order (a module, then its children in registration order), each module once.
// - named_parameters / named_buffers: over named_modules, each module's own entries before its children's,
//   each tensor once (a tied module's parameters appear under the first name only).
// - state_dict: recursive over every child without removing duplicates, so a tied parameter appears under
//   each name; own parameters, then own persistent buffers, then children.

/// The keys ``Module/loadStateDict(_:strict:)`` could not match (PyTorch's `_IncompatibleKeys`).
public struct IncompatibleKeys: Equatable, Sendable, CustomStringConvertible {
    /// Keys the module expects that the state dict lacks.
    public var missingKeys: [String]
    /// Keys of the state dict the module does not have.
    public var unexpectedKeys: [String]

    public var description: String {
        "<IncompatibleKeys missing_keys=\(missingKeys), unexpected_keys=\(unexpectedKeys)>"
    }
}

extension Module {
    // MARK: Modules

    /// Every module in the tree with its dotted name, this one first (named `prefix`), each module once
    /// even when it is placed several times (PyTorch's `named_modules`).
    public func namedModules(prefix: String = "") -> [(name: String, module: Module)] {
        var seen = Set<ObjectIdentifier>()
        var out: [(name: String, module: Module)] = []
        func visit(_ m: Module, _ name: String) {
            guard seen.insert(ObjectIdentifier(m)).inserted else { return }
            out.append((name, m))
            for (childName, child) in m._children { visit(child, name.isEmpty ? childName : name + "." + childName) }
        }
        visit(self, prefix)
        return out
    }

    /// Calls `body` on every module of the tree, this one first, each once, in ``namedModules()`` order,
    /// without building names: the walk a training step makes (zero_grad).
    package func _forEachModule(_ body: (Module) -> Void) {
        // The modules seen so far live on the stack for a usual tree: zero_grad walks every step, and a
        // heap array was an allocation and a free per step.
        withUnsafeTemporaryAllocation(of: ObjectIdentifier.self, capacity: 64) { buffer in
            var seen = _SeenModules(buffer)
            Module._visitOnce(self, &seen, body)
        }
    }

    private static func _visitOnce(_ m: Module, _ seen: inout _SeenModules, _ body: (Module) -> Void) {
        guard seen.insert(ObjectIdentifier(m)) else { return }
        body(m)
        m._forEachChild { _visitOnce($0, &seen, body) }
    }
    /// Every module in the tree, this one first, each once.
    public func modules() -> [Module] { namedModules().map(\.module) }

    /// The direct children with their names, a module placed twice listed once (PyTorch's
    /// `named_children`).
    public func namedChildren() -> [(name: String, module: Module)] {
        var seen = Set<ObjectIdentifier>()
        return _children.filter { seen.insert(ObjectIdentifier($0.module)).inserted }
    }

    /// The direct children, each once.
    public func children() -> [Module] { namedChildren().map(\.module) }

    // MARK: Parameters and buffers

    /// Every parameter slot in PyTorch's order with its dotted name, each tensor once; uninitialized
    /// lazy parameters are included (tensor nil).
    package func _namedParameterSlots() -> [(name: String, tensor: Tensor?, owner: Module)] {
        var seen = Set<ObjectIdentifier>()
        var out: [(name: String, tensor: Tensor?, owner: Module)] = []
        for (prefix, module) in namedModules() {
            for slot in module._parameterSlots {
                if let t = slot.tensor, !seen.insert(ObjectIdentifier(t)).inserted { continue }
                out.append((prefix.isEmpty ? slot.name : prefix + "." + slot.name, slot.tensor, module))
            }
        }
        return out
    }

    /// PyTorch's `named_parameters`; a state error if a lazy module has not created its parameters yet.
    package func _namedParameters() throws -> [(name: String, parameter: Tensor)] {
        try _namedParameterSlots().map { entry in
            guard let t = entry.tensor else {
                throw SwishError.state(
                    "'\(entry.name)' is an uninitialized parameter of \(entry.owner.typeName): call the module on an input (or load a state dict) first so lazy modules can infer their shapes"
                )
            }
            return (entry.name, t)
        }
    }

    /// Every parameter with its dotted name (`0.weight`, `net.2.bias`) in PyTorch's order, each tensor once.
    /// Traps while a lazy module's parameters are uninitialized (``hasUninitializedParameters``).
    public func namedParameters() -> [(name: String, parameter: Tensor)] { _trap { try _namedParameters() } }

    /// Every parameter, each once, in ``namedParameters()`` order.
    public func parameters() -> [Tensor] { namedParameters().map(\.parameter) }

    /// Whether some lazy module in the tree has not created its parameters yet.
    public var hasUninitializedParameters: Bool { _namedParameterSlots().contains { $0.tensor == nil } }

    /// Every buffer with its dotted name, persistent or not, each tensor once (PyTorch's `named_buffers`).
    public func namedBuffers() -> [(name: String, buffer: Tensor)] {
        var seen = Set<ObjectIdentifier>()
        var out: [(name: String, buffer: Tensor)] = []
        for (prefix, module) in namedModules() {
            for slot in module._bufferSlots where seen.insert(ObjectIdentifier(slot.tensor)).inserted {
                out.append((prefix.isEmpty ? slot.name : prefix + "." + slot.name, slot.tensor))
            }
        }
        return out
    }

    /// Every buffer, each once.
    public func buffers() -> [Tensor] { namedBuffers().map(\.buffer) }

    // MARK: State dicts

    /// Where a state-dict key lives: a parameter or buffer slot of a module.
    private struct StateEntry {
        let key: String
        let module: Module
        let isParameter: Bool
        let index: Int
    }

    /// Every state-dict entry of the tree in PyTorch's order, tied ones under each of their names.
    private func stateEntries() -> [StateEntry] {
        var out: [StateEntry] = []
        func visit(_ m: Module, _ prefix: String) {
            for (i, slot) in m._parameterSlots.enumerated() {
                out.append(StateEntry(key: prefix + slot.name, module: m, isParameter: true, index: i))
            }
            for (i, slot) in m._bufferSlots.enumerated() where slot.persistent {
                out.append(StateEntry(key: prefix + slot.name, module: m, isParameter: false, index: i))
            }
            for (name, child) in m._children { visit(child, prefix + name + ".") }
        }
        visit(self, "")
        return out
    }

    /// The state-dict keys that name one shared tensor (tied parameters or buffers), in groups of two or
    /// more, each group and its keys in state-dict order. An uninitialized lazy parameter is identified by
    /// its module and slot, so a lazy module placed twice still forms a group. Loaders use this to accept
    /// a file that stores a tied tensor once (safetensors' `save_model`), as `load_model` does.
    package func _tiedStateKeys() -> [[String]] {
        enum Identity: Hashable {
            case tensor(ObjectIdentifier)
            case uninitialized(module: ObjectIdentifier, slot: Int)
        }
        var groups: [Identity: [String]] = [:]
        var order: [Identity] = []
        for e in stateEntries() {
            let tensor = e.isParameter ? e.module._parameterSlots[e.index].tensor : e.module._bufferSlots[e.index].tensor
            let identity: Identity =
                tensor.map { .tensor(ObjectIdentifier($0)) } ?? .uninitialized(module: ObjectIdentifier(e.module), slot: e.index)
            if groups[identity] == nil { order.append(identity) }
            groups[identity, default: []].append(e.key)
        }
        return order.compactMap { groups[$0]!.count > 1 ? groups[$0] : nil }
    }

    package func _stateDict() throws -> StateDict {
        var sd = StateDict()
        for e in stateEntries() {
            if e.isParameter {
                guard let t = e.module._parameterSlots[e.index].tensor else {
                    throw SwishError.state(
                        "state_dict: '\(e.key)' is an uninitialized parameter of \(e.module.typeName): call the module on an input first so lazy modules can infer their shapes"
                    )
                }
                sd[e.key] = t.detach()
            } else {
                sd[e.key] = e.module._bufferSlots[e.index].tensor.detach()
            }
        }
        return sd
    }

    /// The module's state: every parameter and persistent buffer under its dotted name, tied ones under
    /// each name (PyTorch's `state_dict`). The tensors share memory with the module's and carry no graph.
    /// Traps while a lazy module's parameters are uninitialized.
    public func stateDict() -> StateDict { _trap { try _stateDict() } }

    /// PyTorch's shape notation, used in load_state_dict's messages: `torch.Size([8, 4])`.
    private static func torchSize(_ s: Shape) -> String { "torch.Size([" + s.map(String.init).joined(separator: ", ") + "])" }

    package func _loadStateDict(_ sd: StateDict, strict: Bool) throws -> IncompatibleKeys {
        let entries = stateEntries()
        var expected = Set<String>()
        var missing: [String] = []
        var mismatches: [String] = []
        var plans: [(entry: StateEntry, source: Tensor)] = []
        for e in entries {
            expected.insert(e.key)
            guard let src = sd[e.key] else {
                missing.append(e.key)
                continue
            }
            if e.isParameter, e.module._parameterSlots[e.index].tensor == nil {
                let pending = e.module._parameterSlots[e.index].pendingShape
                guard Module.matches(src.shape, pending) else {
                    mismatches.append(
                        "size mismatch for \(e.key): copying a param with shape \(Module.torchSize(src.shape)) from checkpoint, the uninitialized parameter in current model needs shape \(Module.describe(pending))."
                    )
                    continue
                }
            } else {
                let current = e.isParameter
                    ? e.module._parameterSlots[e.index].tensor! : e.module._bufferSlots[e.index].tensor
                guard current.shape == src.shape else {
                    mismatches.append(
                        "size mismatch for \(e.key): copying a param with shape \(Module.torchSize(src.shape)) from checkpoint, the shape in current model is \(Module.torchSize(current.shape))."
                    )
                    continue
                }
            }
            plans.append((e, src))
        }
        let unexpected = sd.keys.filter { !expected.contains($0) }

        var errors: [String] = []
        if strict {
            if !missing.isEmpty {
                errors.append("Missing key(s) in state_dict: \(missing.map { "\"\($0)\"" }.joined(separator: ", ")). ")
            }
            if !unexpected.isEmpty {
                errors.append("Unexpected key(s) in state_dict: \(unexpected.map { "\"\($0)\"" }.joined(separator: ", ")). ")
            }
        }
        errors += mismatches
        if !errors.isEmpty {
            let message = "Error(s) in loading state_dict for \(typeName):\n\t" + errors.joined(separator: "\n\t")
            throw mismatches.isEmpty ? SwishError.invalidArgument(message) : SwishError.shape(message)
        }

        // Everything that can fail (allocation) happens before the first write, so a failed load changes
        // nothing. A source that shares memory with a destination is copied first, so the order of the
        // writes cannot matter; an uninitialized parameter gets a fresh float tensor.
        var destinations = Set<UnsafeMutableRawPointer>()
        for (e, _) in plans {
            let t = e.isParameter ? e.module._parameterSlots[e.index].tensor : e.module._bufferSlots[e.index].tensor
            if let t { destinations.insert(t.block) }
        }
        var prepared: [(entry: StateEntry, source: Tensor, fresh: Bool)] = []
        for (e, src) in plans {
            let materialize = e.isParameter && e.module._parameterSlots[e.index].tensor == nil
            if materialize || destinations.contains(src.block) {
                let copy = try Tensor(uninitialized: src.shape)
                if src.numel > 0 { copy.pointer.update(from: src.pointer, count: src.numel) }
                prepared.append((e, copy, materialize))
            } else {
                prepared.append((e, src, false))
            }
        }
        for (e, src, fresh) in prepared {
            if fresh {
                src._requiresGrad = true
                e.module._parameterSlots[e.index].tensor = src
                continue
            }
            let dst = e.isParameter ? e.module._parameterSlots[e.index].tensor! : e.module._bufferSlots[e.index].tensor
            if dst.numel > 0 { dst.pointer.update(from: src.pointer, count: dst.numel) }
        }
        return IncompatibleKeys(missingKeys: missing, unexpectedKeys: unexpected)
    }

    /// Copies the values of `stateDict` into the module's parameters and persistent buffers (PyTorch's
    /// `load_state_dict`); the module keeps its tensors, only their values change. An uninitialized lazy
    /// parameter takes the shape of its entry.
    ///
    /// With `strict`, every key must match; shapes must always match. On any mismatch it traps listing
    /// every problem, as PyTorch raises, and nothing is changed. Returns the keys that did not match.
    @discardableResult
    public func loadStateDict(_ stateDict: StateDict, strict: Bool = true) -> IncompatibleKeys {
        _trap { try _loadStateDict(stateDict, strict: strict) }
    }
}

/// A set of module identities for ``Module/_forEachModule(_:)``: in a caller's buffer while it has room,
/// then in an array. Linear search: a tree has a few dozen modules.
private struct _SeenModules {
    let buffer: UnsafeMutableBufferPointer<ObjectIdentifier>
    var count = 0
    var more: [ObjectIdentifier] = []

    init(_ buffer: UnsafeMutableBufferPointer<ObjectIdentifier>) { self.buffer = buffer }

    /// Adds `id`; false if it was already there.
    mutating func insert(_ id: ObjectIdentifier) -> Bool {
        for i in 0..<count where buffer[i] == id { return false }
        if more.contains(id) { return false }
        if count < buffer.count {
            buffer.initializeElement(at: count, to: id)
            count += 1
        } else {
            more.append(id)
        }
        return true
    }
}
