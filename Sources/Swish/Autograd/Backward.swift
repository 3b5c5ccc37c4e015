import Synchronization

/// Reverse-mode differentiation: a topological walk from the output that hands each node the sum of
/// its consumers' gradients, then accumulates into the leaves' `.grad` (micrograd's `backward`).
enum Autograd {
    /// Each backward pass takes a fresh mark so nodes need no clearing between passes.
    private static let epoch = Atomic<UInt64>(0)

    static func run(_ root: Tensor, gradient: Tensor?, retainGraph: Bool) throws {
        guard root._requiresGrad else {
            throw SwishError.state("element 0 of tensors does not require grad and does not have a grad_fn")
        }
        let seed: Tensor
        if let gradient {
            guard gradient.shape == root.shape else {
                throw SwishError.shape(
                    "Mismatch in shape: grad_output[0] has a shape of \(gradient.shape) and output[0] has a shape of \(root.shape)."
                )
            }
            guard gradient.dtype == .float32 else {
                throw SwishError.invalidArgument("the gradient passed to backward must be a float tensor")
            }
            seed = gradient
        } else {
            guard root.numel == 1 else {
                throw SwishError.invalidArgument("grad can be implicitly created only for scalar outputs")
            }
            seed = try Tensor._full(root.shape, 1)
        }

        guard let rootNode = root.gradFn else {
            // A leaf: backward just accumulates the seed.
            var leaves: [Tensor] = []
            queue(seed, forLeaf: root, &leaves)
            try commit(leaves)
            return
        }

        // Topological order by iterative depth-first search (a long chain must not overflow the stack).
        // The walk holds nodes unretained: the root keeps the whole graph alive, and nothing in this pass
        // drops a node's inputs (freeing the saved tensors below drops only what the nodes saved), so
        // every node outlives the pass. A retain and a release per node and per visit were a sixth of a
        // small graph's reference counting.
        let mark = epoch.add(1, ordering: .relaxed).newValue
        // Room for a small graph up front (the longest chain is a lower bound on its size), instead of
        // growing each array from empty through several reallocations in every pass.
        let expected = Swift.min(Int(rootNode.depth) * 2 + 8, 4096)
        var order: [Unmanaged<Node>] = []
        order.reserveCapacity(expected)
        var stack: [(Unmanaged<Node>, Bool)] = [(Unmanaged.passUnretained(rootNode), false)]
        stack.reserveCapacity(expected)
        while let (entry, expanded) = stack.popLast() {
            if expanded {
                order.append(entry)
                continue
            }
            try entry._withUnsafeGuaranteedRef { node in
                if node.mark == mark { return }
                node.mark = mark
                if node.freed {
                    throw SwishError.state(
                        "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward."
                    )
                }
                stack.append((entry, true))
                push(node.in0, unless: mark, onto: &stack)
                push(node.in1, unless: mark, onto: &stack)
                push(node.in2, unless: mark, onto: &stack)
            }
        }

        // Run the nodes from the output towards the leaves, with recording off.
        let wasEnabled = GradMode.set(false)
        defer { GradMode.set(wasEnabled) }
        var leaves: [Tensor] = []
        leaves.reserveCapacity(16)
        rootNode.pending = seed
        do {
            for entry in order.reversed() {
                try entry._withUnsafeGuaranteedRef { node in
                    guard var g = node.pending.take() else { return }  // moved out: no retain, no release
                    if node.retainsGrad { queue(g, forLeaf: node, &leaves) }
                    guard let backward = node.backwardFn else { return }
                    // Not the caller's gradient, not a retained one, not one passed to two inputs: the
                    // backward function may overwrite it instead of allocating its result.
                    node.gradIsScratch = isKnownUniquelyReferenced(&g) && g.ownsMemoryAlone
                    var grads = try backward(node, g)
                    // Each gradient is moved on to where it goes, not copied and then released.
                    if node.needsGrad(0) { try route(grads.g0.take(), to: node.in0, leaves: &leaves) }
                    if node.needsGrad(1) { try route(grads.g1.take(), to: node.in1, leaves: &leaves) }
                    if node.needsGrad(2) { try route(grads.g2.take(), to: node.in2, leaves: &leaves) }
                }
            }
            try commit(leaves)
        } catch {
            for entry in order { entry._withUnsafeGuaranteedRef { $0.pending = nil } }
            for leaf in leaves { leaf._pendingGrad = nil }
            throw error
        }

        if !retainGraph {
            for entry in order {
                entry._withUnsafeGuaranteedRef { node in
                    guard node.savesTensors else { return }
                    node.releaseSaved()
                    node.freed = true
                }
            }
        }
    }

    /// Schedules the node that made `input` unless this pass has visited it. A static function, not a
    /// closure over `stack`: a captured `var` is boxed and every access to it checked dynamically for
    /// exclusivity (swift_beginAccess), which was most of the walk's cost.
    @inline(__always)
    private static func push(_ input: Tensor?, unless mark: UInt64, onto stack: inout [(Unmanaged<Node>, Bool)]) {
        if let child = input, child.depth > 0, child.mark != mark {
            stack.append((Unmanaged.passUnretained(child), false))
        }
    }

    /// Passes a gradient to the node that made `input`, or queues it for the leaf `input`.
    @inline(__always)
    private static func route(_ g: consuming Tensor?, to input: Tensor?, leaves: inout [Tensor]) throws {
        guard let input, let g else { return }
        guard g.shape == input.shape else {
            throw SwishError.internal(
                "backward produced a gradient of shape \(g.shape) for an input of shape \(input.shape)")
        }
        if input.depth > 0 {
            if input.pending != nil {
                try accumulate(g, into: &input.pending)
            } else {
                input.pending = g
            }
        } else if input._pendingGrad != nil {
            try accumulate(g, into: &input._pendingGrad)  // a leaf used twice gets the sum
        } else {
            input._pendingGrad = g
            leaves.append(input)
        }
    }

    /// Adds `g` to the gradient in `slot`: in place when only the slot holds it and no view shares its
    /// memory (it is then a gradient this pass made), else into a new tensor (the same tensor was passed
    /// to two inputs, say).
    @inline(__always)
    private static func accumulate(_ g: Tensor, into slot: inout Tensor?) throws {
        if isKnownUniquelyReferenced(&slot), let sum = slot, sum.ownsMemoryAlone {
            _Kernels.addInPlace(sum.mutableBuffer, g.buffer)
        } else {
            slot = try Tensor._addRaw(slot!, g)
        }
    }

    /// Queues `g` for `leaf` outside the node walk (a leaf root, a retained non-leaf gradient).
    private static func queue(_ g: Tensor, forLeaf leaf: Tensor, _ leaves: inout [Tensor]) {
        if leaf._pendingGrad == nil { leaves.append(leaf) }
        leaf._pendingGrad = g
    }

    /// Adds each leaf's summed gradient into its `.grad`, only after the whole pass succeeded.
    ///
    /// A leaf without a gradient takes the computed tensor itself when nothing else refers to it or its
    /// memory (no copy, no allocation); otherwise, or when it must not be aliased (the caller's own
    /// gradient, a tensor another leaf also receives), a copy. Every copy is made before the first write,
    /// so a failed allocation changes no gradient.
    private static func commit(_ leaves: [Tensor]) throws {
        for leaf in leaves where leaf.grad == nil {
            if !(isKnownUniquelyReferenced(&leaf._pendingGrad) && leaf._pendingGrad!.ownsMemoryAlone) {
                leaf._pendingGrad = try leaf._pendingGrad!.copyDetached()
            }
        }
        for leaf in leaves {
            let g = leaf._pendingGrad!
            leaf._pendingGrad = nil
            if let existing = leaf.grad {
                _Kernels.addInPlace(existing.mutableBuffer, g.buffer)
            } else {
                leaf.grad = g
            }
        }
    }
}

extension Tensor {
    /// Computes the gradient of this tensor with respect to the leaves that require grad and adds it into
    /// their ``grad``.
    ///
    /// - Parameters:
    ///   - gradient: d(something)/d(self); required unless this tensor has one element.
    ///   - retainGraph: keep the saved tensors so another backward can run through the same graph.
    ///     Without it a second backward through ops that saved tensors is an error, as in PyTorch.
    public func backward(gradient: Tensor? = nil, retainGraph: Bool = false) {
        _trap { try backwardChecked(gradient: gradient, retainGraph: retainGraph) }
    }

    package func backwardChecked(gradient: Tensor? = nil, retainGraph: Bool = false) throws {
        try Autograd.run(self, gradient: gradient, retainGraph: retainGraph)
    }
}
