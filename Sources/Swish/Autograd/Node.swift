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
package final class Node {
    /// The name PyTorch gives this backward function (`AddBackward0`), shown by printing.
    package let name: String
    @exclusivity(unchecked) package var in0: Tensor?
    @exclusivity(unchecked) package var in1: Tensor?
    @exclusivity(unchecked) package var in2: Tensor?
    /// Nil once the graph has been freed by a backward without `retainGraph`.
    @exclusivity(unchecked) package var backward: ((Tensor) throws -> Grads)?
    /// Whether `backward` holds tensors from the forward pass (a second backward then needs retainGraph).
    package let savesTensors: Bool
    /// Set when a backward freed this node's saved tensors.
    @exclusivity(unchecked) package var freed = false

    // Scratch state of one backward pass.
    @exclusivity(unchecked) var mark: UInt64 = 0
    @exclusivity(unchecked) var pending: Tensor?
    /// The output tensor whose gradient should be kept (``Tensor/retainGrad()``).
    @exclusivity(unchecked) weak var retainedOutput: Tensor?

    init(
        name: String, _ in0: Tensor?, _ in1: Tensor?, _ in2: Tensor?, savesTensors: Bool,
        backward: @escaping (Tensor) throws -> Grads
    ) {
        self.name = name
        self.in0 = in0
        self.in1 = in1
        self.in2 = in2
        self.savesTensors = savesTensors
        self.backward = backward
    }

    deinit {
        // Tear down the graph behind this node iteratively. Released recursively (tensor -> node -> tensor
        // ...), a chain of a few ten thousand ops would overflow the stack.
        var doomed: [Node] = []
        Node.release(inputsOf: self, into: &doomed)
        while let node = doomed.popLast() { Node.release(inputsOf: node, into: &doomed) }
    }

    /// Drops `node`'s references to its inputs. An input that only this node kept alive hands its own node
    /// to `doomed` before it dies, so that node is released by the loop in `deinit`, not by recursion.
    private static func release(inputsOf node: Node, into doomed: inout [Node]) {
        // The closure's captured tensors are inputs (still held below) or tensors without history.
        node.backward = nil
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
    /// kept, and `backward` may return nil for the others.
    package func record(
        _ name: String, _ a: Tensor, _ b: Tensor? = nil, _ c: Tensor? = nil, savesTensors: Bool,
        backward: @escaping (Tensor) throws -> Grads
    ) {
        gradFn = Node(
            name: name, a._requiresGrad ? a : nil, b?._requiresGrad == true ? b : nil,
            c?._requiresGrad == true ? c : nil, savesTensors: savesTensors, backward: backward)
        _requiresGrad = true
    }
}
