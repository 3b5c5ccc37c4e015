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

/// One recorded operation in the autograd graph: the inputs that need gradients and the function that
/// turns the output's gradient into theirs (micrograd's `_backward`, one node per op).
///
/// Up to three inputs are kept inline, which covers every op in Swish (the widest is linear: x, w, b).
/// The backward function gets the node, so it can read what it needs from the forward pass there (the
/// inputs, the op's result as ``output``, ``scalar``) instead of capturing it: a capturing closure is one
/// more heap object per op, allocated, reference counted and freed in every step. The ops of training's usual paths (linear,
/// matmul, the arithmetic, sum, the activations) work that way; the rarer ones capture.
///
/// The node is kept at most 120 bytes (its fields add up to 111; a test checks the block): glibc recycles
/// freed blocks up to that size through its fast bins. 16 bytes more, and nothing else changed, cost 4.5%
/// of a chimera step's instructions.
package final class Node {
    /// The name PyTorch gives this backward function (`AddBackward0`), shown by printing.
    package let name: String
    /// The op's inputs that require grad, and when `savesTensors` all of them (the backward function
    /// reads them). ``needsGrad(_:)`` tells which get a gradient.
    @exclusivity(unchecked) package var in0: Tensor?
    @exclusivity(unchecked) package var in1: Tensor?
    @exclusivity(unchecked) package var in2: Tensor?
    /// Nil once the graph has been freed by a backward without `retainGraph`.
    @exclusivity(unchecked) package var backward: ((Node, Tensor) throws -> Grads)?
    /// The longest chain of recorded ops behind this node (1 for a node whose inputs are leaves).
    package let depth: Int

    // Scratch state of one backward pass.
    @exclusivity(unchecked) var mark: UInt64 = 0
    @exclusivity(unchecked) var pending: Tensor?
    /// The op's result, the tensor whose `gradFn` this node is, for backward functions that read it (and
    /// for ``Tensor/retainGrad()``). Not a strong reference: the result holds the node, so that would be a
    /// cycle. Not `weak` or safe `unowned` either, which cost reference counting per node: a node only runs
    /// while its result lives, because backward reaches a node only through that tensor, held by the
    /// caller (the root) or by a consumer's node, and nothing else sets a `gradFn`. Read nowhere else.
    @exclusivity(unchecked) package unowned(unsafe) var output: Tensor

    /// A number from the forward pass that `backward` reads (the `s` of `x * s`).
    package let scalar: Float
    /// Bit k: input k requires grad.
    private let gradMask: UInt8
    /// Whether `backward` reads tensors from the forward pass (a second backward then needs retainGraph).
    package let savesTensors: Bool
    /// Set when a backward freed this node's saved tensors.
    @exclusivity(unchecked) package var freed = false

    init(
        output: Tensor, name: String, _ a: Tensor, _ b: Tensor?, _ c: Tensor?, scalar: Float, savesTensors: Bool,
        backward: @escaping (Node, Tensor) throws -> Grads
    ) {
        self.output = output
        let needA = a._requiresGrad, needB = b?._requiresGrad ?? false, needC = c?._requiresGrad ?? false
        self.name = name
        in0 = needA || savesTensors ? a : nil
        in1 = needB || savesTensors ? b : nil
        in2 = needC || savesTensors ? c : nil
        self.scalar = scalar
        gradMask = (needA ? 1 : 0) | (needB ? 2 : 0) | (needC ? 4 : 0)
        self.savesTensors = savesTensors
        self.backward = backward
        depth = 1 + Swift.max(a.gradFn?.depth ?? 0, b?.gradFn?.depth ?? 0, c?.gradFn?.depth ?? 0)
    }

    /// Whether input `k` (0, 1, 2) requires grad: backward must return its gradient.
    @inline(__always) package func needsGrad(_ k: Int) -> Bool { gradMask & (1 << k) != 0 }

    /// Drops what `backward` reads from the forward pass (after a backward without retainGraph): the
    /// function and the inputs kept only for it.
    func releaseSaved() {
        backward = nil
        if !needsGrad(0) { in0 = nil }
        if !needsGrad(1) { in1 = nil }
        if !needsGrad(2) { in2 = nil }
    }

    /// Graphs at most this deep are released by Swift's ordinary recursive release; deeper ones by the
    /// loop in `deinit`, which costs more per node but needs no stack.
    private static let recursiveReleaseDepth = 256

    deinit {
        // Tear down a deep graph behind this node iteratively. Released recursively (tensor -> node ->
        // tensor ...), a chain of a few ten thousand ops would overflow the stack.
        guard depth > Node.recursiveReleaseDepth else { return }
        var doomed: [Node] = []
        Node.release(inputsOf: self, into: &doomed)
        while let node = doomed.popLast() { Node.release(inputsOf: node, into: &doomed) }
    }

    /// Drops `node`'s references to its inputs. An input that only this node kept alive hands its own node
    /// to `doomed` before it dies, so that node is released by the loop in `deinit`, not by recursion.
    private static func release(inputsOf node: Node, into doomed: inout [Node]) {
        // Saved and captured tensors are inputs (still held below) or tensors without history.
        node.releaseSaved()
        take(&node.in0, into: &doomed)
        take(&node.in1, into: &doomed)
        take(&node.in2, into: &doomed)
    }

    private static func take(_ slot: inout Tensor?, into doomed: inout [Node]) {
        guard var tensor = slot else { return }
        slot = nil
        if isKnownUniquelyReferenced(&tensor), let fn = tensor.gradFn {
            tensor.gradFn = nil
            doomed.append(fn)
        }
    }
}

extension Tensor {
    /// True when an op on these inputs must be recorded: grad mode is on and one input requires grad.
    @inline(__always)
    package static func recording(_ a: Tensor, _ b: Tensor? = nil, _ c: Tensor? = nil) -> Bool {
        (a._requiresGrad || (b?._requiresGrad ?? false) || (c?._requiresGrad ?? false)) && GradMode.isEnabled
    }

    /// Records that this tensor was produced by `name` from the inputs. The node keeps the inputs that
    /// require grad, and all of them when `savesTensors` (the backward function reads them); `backward`
    /// gets the node and returns a gradient for each input that ``Node/needsGrad(_:)`` (nil for the
    /// others). This tensor is the node's ``Node/output``, and `scalar` is kept for `backward` too, so
    /// that an op's closure can capture nothing (see ``Node``).
    @inline(__always)
    package func record(
        _ name: String, _ a: Tensor, _ b: Tensor? = nil, _ c: Tensor? = nil, savesTensors: Bool,
        scalar: Float = 0, backward: @escaping (Node, Tensor) throws -> Grads
    ) {
        gradFn = Node(
            output: self, name: name, a, b, c, scalar: scalar, savesTensors: savesTensors, backward: backward)
        _requiresGrad = true
    }
}
