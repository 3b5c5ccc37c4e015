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
/// The backward function gets the node, so what it needs from the forward pass can be kept in the node
/// (``saved0``, ``saved1``, ``scalar``) instead of captured: a capturing closure is one more heap object
/// per op, allocated, reference counted and freed in every step. The ops on training's hot paths save
/// their values that way; the others capture.
package final class Node {
    /// The name PyTorch gives this backward function (`AddBackward0`), shown by printing.
    package let name: String
    @exclusivity(unchecked) package var in0: Tensor?
    @exclusivity(unchecked) package var in1: Tensor?
    @exclusivity(unchecked) package var in2: Tensor?
    /// Tensors from the forward pass that `backward` reads (an input that needs no gradient, say).
    @exclusivity(unchecked) package var saved0: Tensor?
    @exclusivity(unchecked) package var saved1: Tensor?
    /// A number from the forward pass that `backward` reads (the `s` of `x * s`).
    package let scalar: Float
    /// Nil once the graph has been freed by a backward without `retainGraph`.
    @exclusivity(unchecked) package var backward: ((Node, Tensor) throws -> Grads)?
    /// Whether `backward` reads tensors from the forward pass (a second backward then needs retainGraph).
    package let savesTensors: Bool
    /// Set when a backward freed this node's saved tensors.
    @exclusivity(unchecked) package var freed = false
    /// The longest chain of recorded ops behind this node (1 for a node whose inputs are leaves).
    package let depth: Int

    // Scratch state of one backward pass.
    @exclusivity(unchecked) var mark: UInt64 = 0
    @exclusivity(unchecked) var pending: Tensor?
    /// The output tensor whose gradient should be kept (``Tensor/retainGrad()``).
    @exclusivity(unchecked) weak var retainedOutput: Tensor?

    init(
        name: String, _ in0: Tensor?, _ in1: Tensor?, _ in2: Tensor?, saved0: Tensor?, saved1: Tensor?,
        scalar: Float, savesTensors: Bool, backward: @escaping (Node, Tensor) throws -> Grads
    ) {
        self.name = name
        self.in0 = in0
        self.in1 = in1
        self.in2 = in2
        self.saved0 = saved0
        self.saved1 = saved1
        self.scalar = scalar
        self.savesTensors = savesTensors
        self.backward = backward
        depth = 1 + Swift.max(in0?.gradFn?.depth ?? 0, in1?.gradFn?.depth ?? 0, in2?.gradFn?.depth ?? 0)
    }

    /// Drops what `backward` reads from the forward pass (after a backward without retainGraph).
    func releaseSaved() {
        backward = nil
        saved0 = nil
        saved1 = nil
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

    /// Records that this tensor was produced by `name` from the inputs; only inputs that require grad are
    /// kept in the node's `in0`...`in2`, and `backward` may return nil for the others. `backward` gets the
    /// node; `saved0`, `saved1` and `scalar` are kept in it for `backward` to read, so that a hot op's
    /// closure can capture nothing (see ``Node``).
    ///
    /// A `backward` that needs the op's result captures it `unowned` (`unowned let y = out`): a strong
    /// capture would be a cycle (result -> node -> closure -> result), and a view of it one more object
    /// per op. Unowned is safe because a node only runs while its result lives: backward reaches a node
    /// only through the tensor whose `gradFn` it is, held by the caller (the root) or by a consumer's
    /// node, and nothing else sets a `gradFn`.
    @inline(__always)
    package func record(
        _ name: String, _ a: Tensor, _ b: Tensor? = nil, _ c: Tensor? = nil, savesTensors: Bool,
        saving saved0: Tensor? = nil, _ saved1: Tensor? = nil, scalar: Float = 0,
        backward: @escaping (Node, Tensor) throws -> Grads
    ) {
        gradFn = Node(
            name: name, a._requiresGrad ? a : nil, b?._requiresGrad == true ? b : nil,
            c?._requiresGrad == true ? c : nil, saved0: saved0, saved1: saved1, scalar: scalar,
            savesTensors: savesTensors, backward: backward)
        _requiresGrad = true
    }
}
