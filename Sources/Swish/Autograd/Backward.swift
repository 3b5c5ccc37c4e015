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
            try commit([(root, seed)])
            return
        }

        // Topological order by iterative depth-first search (a long chain must not overflow the stack).
        let mark = epoch.add(1, ordering: .relaxed).newValue
        var order: [Node] = []
        var stack: [(Node, Bool)] = [(rootNode, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded {
                order.append(node)
                continue
            }
            if node.mark == mark { continue }
            node.mark = mark
            if node.freed {
                throw SwishError.state(
                    "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward."
                )
            }
            stack.append((node, true))
            for input in [node.in0, node.in1, node.in2] {
                if let child = input?.gradFn, child.mark != mark { stack.append((child, false)) }
            }
        }

        // Run the nodes from the output towards the leaves, with recording off.
        let wasEnabled = GradMode.set(false)
        defer { GradMode.set(wasEnabled) }
        var leaves: [(Tensor, Tensor)] = []
        rootNode.pending = seed
        do {
            for node in order.reversed() {
                guard let g = node.pending else { continue }
                node.pending = nil
                if let out = node.retainedOutput { leaves.append((out, g)) }
                guard let backward = node.backward else { continue }
                let grads = try backward(g)
                try route(grads.g0, to: node.in0, leaves: &leaves)
                try route(grads.g1, to: node.in1, leaves: &leaves)
                try route(grads.g2, to: node.in2, leaves: &leaves)
            }
        } catch {
            for node in order { node.pending = nil }
            throw error
        }
        try commit(leaves)

        if !retainGraph {
            for node in order where node.savesTensors {
                node.backward = nil
                node.freed = true
            }
        }
    }

    /// Passes a gradient to the node that made `input`, or queues it for the leaf `input`.
    @inline(__always)
    private static func route(_ g: Tensor?, to input: Tensor?, leaves: inout [(Tensor, Tensor)]) throws {
        guard let input, let g else { return }
        guard g.shape == input.shape else {
            throw SwishError.internal(
                "backward produced a gradient of shape \(g.shape) for an input of shape \(input.shape)")
        }
        if let node = input.gradFn {
            if let p = node.pending {
                node.pending = try Tensor._addRaw(p, g)
            } else {
                node.pending = g
            }
        } else {
            leaves.append((input, g))
        }
    }

    /// Adds each queued gradient into its tensor's `.grad`, only after the whole pass succeeded.
    private static func commit(_ leaves: [(Tensor, Tensor)]) throws {
        // Sum gradients per leaf first (a leaf used twice gets both), then write once.
        var sums: [ObjectIdentifier: (Tensor, Tensor)] = [:]
        var order: [ObjectIdentifier] = []
        for (t, g) in leaves {
            let id = ObjectIdentifier(t)
            if let (_, s) = sums[id] {
                sums[id] = (t, try Tensor._addRaw(s, g))
            } else {
                sums[id] = (t, g)
                order.append(id)
            }
        }
        // Allocate everything that can fail before writing anything.
        var writes: [(Tensor, Tensor, Bool)] = []
        for id in order {
            let (t, g) = sums[id]!
            if let existing = t.grad {
                writes.append((existing, g, true))
            } else {
                writes.append((t, try g.copyDetached(), false))
            }
        }
        for (t, g, accumulate) in writes {
            if accumulate {
                _Kernels.addInPlace(t.mutableBuffer, g.buffer)
            } else {
                t.grad = g
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
