/// The gradients a backward function returns, one per input (nil where an input needs none).
package struct Grads {
    package var g0: Tensor?
    package var g1: Tensor?
    package var g2: Tensor?

    @inline(__always)
    package init(_ g0: Tensor?, _ g1: Tensor? = nil, _ g2: Tensor? = nil) {
        self.g0 = g0
        self.g1 = g1
        self.g2 = g2
    }
}

/// One recorded operation in the autograd graph: its inputs that need gradients and the function that
/// turns its result's gradient into theirs (micrograd's `_backward`, one node per op).
///
/// The node is the op's result tensor itself: its node fields (`in0` ... `freed`, in Tensor.swift) are
/// set by ``Tensor/record(_:_:_:_:savesTensors:scalar:backward:)`` and empty on a leaf. A node as an
/// object of its own was, with every op, one more heap block allocated and freed and one more reference
/// counted, about a tenth of a small step; and a node lives exactly as long as its result anyway, which
/// holds it, while backward reaches it only through that result.
///
/// Up to three inputs are kept inline, which covers every op in Swish (the widest is linear: x, w, b).
/// The backward function gets the node (the result), so it can read what it needs from the forward pass
/// there (the inputs, the result, ``Tensor/savedScalar``) instead of capturing it: a capturing closure is
/// one more heap object per op. The ops of training's usual paths (linear, matmul, the arithmetic, sum,
/// the activations) work that way; the rarer ones capture.
package typealias Node = Tensor

extension Tensor {
    /// The node of the op that produced this tensor (the tensor itself), or nil for a leaf.
    @inline(__always) package var gradFn: Node? { depth > 0 ? self : nil }

    /// Whether input `k` (0, 1, 2) requires grad: backward must return its gradient.
    @inline(__always) package func needsGrad(_ k: Int) -> Bool { gradMask & (1 << k) != 0 }

    /// Drops what the backward function reads from the forward pass (after a backward without
    /// retainGraph): the function and the inputs kept only for it.
    func releaseSaved() {
        backwardFn = nil
        if !needsGrad(0) { in0 = nil }
        if !needsGrad(1) { in1 = nil }
        if !needsGrad(2) { in2 = nil }
    }

    /// Graphs at most this deep are released by Swift's ordinary recursive release; deeper ones by
    /// ``releaseIteratively(_:)``, which costs more per node but needs no stack.
    static let recursiveReleaseDepth: Int32 = 256

    /// Tears down the deep graph behind `tensor`, which is being deinitialized. Released recursively
    /// (tensor -> input -> its input ...), a chain of a few ten thousand ops would overflow the stack.
    static func releaseIteratively(_ tensor: Tensor) {
        var doomed: [Tensor] = []
        releaseInputs(of: tensor, into: &doomed)
        while let t = doomed.popLast() { releaseInputs(of: t, into: &doomed) }  // t goes here, inputs cut
    }

    /// Drops `node`'s references to its inputs and makes it a leaf. An input that only this node kept
    /// alive is moved to `doomed` instead, so it is released by the loop above, not by recursion.
    private static func releaseInputs(of node: Tensor, into doomed: inout [Tensor]) {
        // Saved and captured tensors are inputs (still held below) or tensors without history.
        node.releaseSaved()
        node.depth = 0
        take(&node.in0, into: &doomed)
        take(&node.in1, into: &doomed)
        take(&node.in2, into: &doomed)
    }

    private static func take(_ slot: inout Tensor?, into doomed: inout [Tensor]) {
        guard var tensor = slot else { return }
        slot = nil
        if isKnownUniquelyReferenced(&tensor), tensor.depth > 0 { doomed.append(tensor) }
    }
}

extension Tensor {
    /// True when an op on these inputs must be recorded: grad mode is on and one input requires grad.
    @inline(__always)
    package static func recording(_ a: Tensor, _ b: Tensor? = nil, _ c: Tensor? = nil) -> Bool {
        (a._requiresGrad || (b?._requiresGrad ?? false) || (c?._requiresGrad ?? false)) && GradMode.isEnabled
    }

    /// Records that this tensor was produced by `name` from the inputs, making it a node. It keeps the
    /// inputs that require grad, and all of them when `savesTensors` (the backward function reads them);
    /// `backward` gets this tensor and returns a gradient for each input that ``needsGrad(_:)`` (nil for
    /// the others). `scalar` is kept for `backward` too (``savedScalar``), so that an op's closure can
    /// capture nothing (see ``Node``).
    @inline(__always)
    package func record(
        _ name: StaticString, _ a: Tensor, _ b: Tensor? = nil, _ c: Tensor? = nil, savesTensors: Bool,
        scalar: Float = 0, backward: @escaping (Node, Tensor) throws -> Grads
    ) {
        let needA = a._requiresGrad, needB = b?._requiresGrad ?? false, needC = c?._requiresGrad ?? false
        opName = name
        in0 = needA || savesTensors ? a : nil
        in1 = needB || savesTensors ? b : nil
        in2 = needC || savesTensors ? c : nil
        savedScalar = scalar
        gradMask = (needA ? 1 : 0) | (needB ? 2 : 0) | (needC ? 4 : 0)
        self.savesTensors = savesTensors
        backwardFn = backward
        depth = 1 + Swift.max(a.depth, b?.depth ?? 0, c?.depth ?? 0)
        _requiresGrad = true
    }
}
