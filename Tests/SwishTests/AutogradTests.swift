import Foundation
import Synchronization
import Testing

@testable import Swish

// Autograd semantics as PyTorch defines them: accumulation, zero_grad, detach, no-grad mode, shared
// inputs, freed graphs, explicit gradients, retain_grad, leaf rules, in-place writes under no-grad,
// all-or-nothing failure and deep graphs. Error paths go through the throwing core.

@Suite struct AutogradTests {
    @Test func gradientsAccumulateAcrossBackwardCalls() throws {
        let x = Tensor([1, 2, 3], requiresGrad: true)
        (x * x).sum().backward()
        #expect(x.grad!.scalars == [2, 4, 6])
        (x * x).sum().backward()
        #expect(x.grad!.scalars == [4, 8, 12])
        // A tensor that held the gradient sees the accumulation (PyTorch adds in place too).
        let held = x.grad!
        (x * 3).sum().backward()
        #expect(held.scalars == [7, 11, 15])
        x.zeroGrad()
        #expect(x.grad == nil)
        (x * 3).sum().backward()
        #expect(x.grad!.scalars == [3, 3, 3])
        #expect(held.scalars == [7, 11, 15], "a fresh gradient after zeroGrad does not reuse the old tensor")
    }

    @Test func retainGraphAllowsASecondBackwardAndAccumulates() throws {
        let x = Tensor([1, -2], requiresGrad: true)
        let y = (x * x * x).sum()
        try y.backwardChecked(retainGraph: true)
        #expect(x.grad!.scalars == [3, 12])
        try y.backwardChecked(retainGraph: true)
        #expect(x.grad!.scalars == [6, 24])
        try y.backwardChecked()
        #expect(x.grad!.scalars == [9, 36])
        expectSwishError("state", containing: "backward through the graph a second time") { try y.backwardChecked() }
        #expect(x.grad!.scalars == [9, 36])
    }

    /// Each op that saves tensors refuses a second backward without retainGraph; ops that save nothing
    /// (add, sum, views) allow it, as in PyTorch.
    @Test func secondBackwardThroughSavedTensorsIsAStateError() throws {
        let savers: [(String, (Tensor) -> Tensor)] = [
            ("mul", { $0 * $0 }), ("div", { $0 / ($0 + 3) }), ("matmul", { $0.reshape([1, 2]).matmul($0.reshape([2, 1])) }),
            ("exp", { $0.exp() }), ("log", { ($0 + 3).log() }), ("sqrt", { ($0 + 3).sqrt() }), ("pow", { $0.pow(3) }),
            ("abs", { $0.abs() }), ("clamp", { $0.clamp(min: 0) }), ("relu", { $0.relu() }), ("max", { $0.max() }),
            ("max_dim", { $0.max(dim: 0).values }), ("sigmoid", { $0.sigmoid() }), ("tanh", { $0.tanh() }),
            ("gelu", { $0.gelu() }), ("silu", { $0.silu() }), ("softmax", { $0.softmax(dim: 0) }),
            ("log_softmax", { $0.logSoftmax(dim: 0) }), ("leaky_relu", { $0.leakyRelu() }), ("rdiv", { 1 / ($0 + 3) }),
            ("mul_literal", { $0 * 3 }), ("div_literal", { $0 / 2 }),  // PyTorch saves the scalar operand too
        ]
        for (name, f) in savers {
            let x = Tensor([0.5, 1.5], requiresGrad: true)
            let y = f(x).sum()
            try y.backwardChecked()
            let before = x.grad!.scalars
            let e = expectSwishError("state", containing: "retain_graph") { try y.backwardChecked() }
            #expect(e != nil, "\(name): second backward")
            #expect(x.grad!.scalars == before, "\(name): gradient unchanged by the failed backward")
        }
        let nonSavers: [(String, (Tensor) -> Tensor)] = [
            ("add", { $0 + $0 }), ("sub", { $0 - 1 }), ("rsub", { 1 - $0 }), ("neg", { -$0 }),
            ("reshape", { $0.reshape([2, 1]) }), ("transpose", { $0.reshape([1, 2]).t() }), ("select", { $0[1] }),
            ("mean", { $0.mean() }), ("sum_dim", { $0.sum(dim: 0) }),
        ]
        for (name, f) in nonSavers {
            let x = Tensor([0.5, 1.5], requiresGrad: true)
            let y = f(x).sum()
            try y.backwardChecked()
            let once = x.grad!.scalars
            #expect(throws: Never.self, "\(name)") { try y.backwardChecked() }
            #expect(x.grad!.scalars == once.map { $0 * 2 }, "\(name): accumulated twice")
        }
    }

    @Test func detachSharesMemoryAndCutsTheGraph() {
        let x = Tensor([1, 2, 3], requiresGrad: true)
        let y = x * 2
        let d = y.detach()
        #expect(!d.requiresGrad && d.isLeaf && d.gradFnName == nil)
        #expect(d.scalars == [2, 4, 6])
        d.withUnsafeMutableBufferPointer { $0[0] = 10 }
        #expect(y.scalars == [10, 4, 6], "detach shares memory")
        let z = (d * x).sum()  // only x's path is recorded
        z.backward()
        #expect(x.grad!.scalars == [10, 4, 6])
        let xd = x.detach()
        #expect((xd * 3).gradFnName == nil)
        #expect(!(xd * 3).requiresGrad)
    }

    @Test func noGradRecordsNothing() throws {
        let x = Tensor([1, 2], requiresGrad: true)
        let y = withNoGrad { (x * x).exp().sum() }
        #expect(!y.requiresGrad && y.gradFnName == nil && y.isLeaf)
        expectSwishError("state", containing: "does not require grad") { try y.backwardChecked() }
        #expect(GradMode.isEnabled)
        // Nested blocks restore the outer setting; a throwing body restores it too.
        withNoGrad {
            withNoGrad { #expect(!GradMode.isEnabled) }
            #expect(!GradMode.isEnabled)
        }
        struct Boom: Error {}
        #expect(throws: Boom.self) { try withNoGrad { throw Boom() } }
        #expect(GradMode.isEnabled)
        // Recording resumes afterwards.
        #expect((x * x).gradFnName == "MulBackward0")
    }

    @Test func gradModeIsPerThread() {
        let seenOnOtherThread = Mutex<Bool?>(nil)
        withNoGrad {
            let done = DispatchSemaphore(value: 0)
            Thread {
                seenOnOtherThread.withLock { $0 = GradMode.isEnabled }
                done.signal()
            }.start()
            done.wait()
            #expect(!GradMode.isEnabled)
        }
        #expect(seenOnOtherThread.withLock { $0 } == true)
    }

    @Test func aTensorUsedTwiceGetsBothGradients() {
        let x = Tensor([1, -2, 3], requiresGrad: true)
        (x * x).sum().backward()
        #expect(x.grad!.scalars == [2, -4, 6])
        x.zeroGrad()
        (x + x).sum().backward()
        #expect(x.grad!.scalars == [2, 2, 2])
        // Diamond: a feeds two branches that meet again.
        x.zeroGrad()
        let a = x * 2
        let b = a * 3
        let c = a * a
        (b + c).sum().backward()  // d/dx (6x + 4x^2) = 6 + 8x
        #expect(x.grad!.scalars == [14, -10, 30])
        // The same leaf as both operands of matmul.
        let m = Tensor([1, 2, 3, 4], shape: [2, 2], requiresGrad: true)
        m.matmul(m).sum().backward()
        // d/dm sum(m @ m) = ones @ m^T + m^T @ ones
        #expect(m.grad!.scalars == [7, 11, 9, 13])
    }

    /// Views record the backward name PyTorch's op records (shown by printing and swish_tensor_grad_fn).
    @Test func viewsUsePyTorchBackwardNames() {
        let x = Tensor([1, 2, 3, 4], shape: [1, 4], requiresGrad: true)
        #expect(x.unsqueeze(0).gradFnName == "UnsqueezeBackward0")
        #expect(x.squeeze(0).gradFnName == "SqueezeBackward1")
        #expect(x.squeeze(1).gradFnName == "SqueezeBackward1")
        #expect(x.squeeze().gradFnName == "SqueezeBackward0")
        #expect(x.reshape([2, 2]).gradFnName == "ViewBackward0")
        #expect(x.view([-1]).gradFnName == "ViewBackward0")
        #expect(x.flatten().gradFnName == "ViewBackward0")
        #expect(x[0].gradFnName == "SelectBackward0")
    }

    @Test func explicitGradientForNonScalarOutputs() throws {
        let x = Tensor([1, 2, 3], requiresGrad: true)
        let y = x * 2
        try y.backwardChecked(gradient: Tensor([1, 0.5, -2]))
        #expect(x.grad!.scalars == [2, 1, -4])
        let z = x * 3
        expectSwishError("invalidArgument", containing: "implicitly created only for scalar outputs") {
            try z.backwardChecked()
        }
        expectSwishError("shape", containing: "Mismatch in shape") { try z.backwardChecked(gradient: Tensor([1, 2])) }
        expectSwishError("shape") { try z.backwardChecked(gradient: Tensor([1, 2, 3], shape: [3, 1])) }
        expectSwishError("invalidArgument") { try z.backwardChecked(gradient: Tensor([1, 2, 3]) > 1) }
        #expect(x.grad!.scalars == [2, 1, -4], "failed calls changed nothing")
        // One-element outputs of any shape take the implicit gradient 1.
        let w = Tensor([2], shape: [1, 1], requiresGrad: true)
        (w * w).backward()
        #expect(w.grad!.scalars == [4])
        // backward on a leaf adds the gradient into its own .grad.
        let leaf = Tensor([1, 2], requiresGrad: true)
        let g = Tensor([3, 4])
        leaf.backward(gradient: g)
        g.withUnsafeMutableBufferPointer { $0[0] = 100 }
        #expect(leaf.grad!.scalars == [3, 4], "the gradient is copied, not aliased")
    }

    @Test func backwardOnATensorThatDoesNotRequireGrad() {
        let x = Tensor([1, 2])
        expectSwishError("state", containing: "does not require grad") { try x.sum().backwardChecked() }
        // Comparisons are never differentiable.
        let p = Tensor([1, 2], requiresGrad: true)
        let c = p > 1
        #expect(!c.requiresGrad && c.gradFnName == nil && c.dtype == .bool)
        #expect((p == p).gradFnName == nil && (p <= 1.5).gradFnName == nil)
        #expect(p.argmax().gradFnName == nil && !p.max(dim: 0).indices.requiresGrad)
    }

    @Test func retainGradOnANonLeaf() {
        let x = Tensor([1, 2], requiresGrad: true)
        let y = x * 3
        y.retainGrad()
        let z = y * y
        z.retainGrad()
        z.sum().backward(retainGraph: true)
        #expect(y.grad!.scalars == [6, 12])
        #expect(z.grad!.scalars == [1, 1])
        #expect(x.grad!.scalars == [18, 36])
        z.sum().backward()
        #expect(y.grad!.scalars == [12, 24], "a retained gradient accumulates too")
        // Without retainGrad a non-leaf keeps no gradient.
        let u = x * 2
        u.sum().backward()
        #expect(u.grad == nil)
    }

    @Test func requiresGradRules() {
        let x = Tensor([1, 2], requiresGrad: true)
        let y = x * 2
        expectSwishError("state", containing: "leaf variables") { try y.setRequiresGrad(false) }
        expectSwishError("state", containing: "leaf variables") { try y.setRequiresGrad(true) }
        #expect(y.requiresGrad && !y.isLeaf)
        // requires_grad_() on a non-leaf that already requires grad is allowed, as in PyTorch.
        #expect(y.requiresGrad_() === y)
        let c = Tensor([1]) > 0
        expectSwishError("invalidArgument", containing: "floating point") { try c.setRequiresGrad(true) }
        #expect(throws: Never.self) { try c.setRequiresGrad(false) }
        // A leaf may be switched off and on.
        x.requiresGrad = false
        #expect((x * 2).gradFnName == nil)
        x.requiresGrad = true
        #expect((x * 2).gradFnName == "MulBackward0")
    }

    /// The seed's `net[2].weight.data[0, 0] = 100`: a write under no-grad (or through .data) changes the
    /// parameter and every view of it, and is not recorded.
    @Test func inPlaceWritesUnderNoGrad() throws {
        let w = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3], requiresGrad: true)
        let row = w[0]
        let flat = w.data.reshape([6])
        let detached = w.detach()
        w.data[0, 0] = 100
        #expect(w.scalars == [100, 2, 3, 4, 5, 6])
        #expect(row.scalars == [100, 2, 3] && flat.scalars[0] == 100 && detached.scalars[0] == 100)
        #expect(w.isLeaf && w.requiresGrad && w.grad == nil)
        withNoGrad { w[1, 2] = 60 }
        #expect(flat.scalars == [100, 2, 3, 4, 5, 60])
        withNoGrad { w[1] = Tensor([7, 8, 9]) }
        #expect(w.scalars == [100, 2, 3, 7, 8, 9])
        // The next forward pass sees the new value.
        let y = (w * w).sum()
        y.backward()
        #expect(w.grad!.scalars == [200, 4, 6, 14, 16, 18])
        // With grad mode on, writing into a leaf that requires grad is refused, as PyTorch refuses it.
        expectSwishError("state", containing: "in-place") { try w[0, 0]._copy(from: Tensor(1)) }
        expectSwishError("state", containing: "in-place") { try w._copy(from: Tensor.zeros([2, 3])) }
        expectSwishError("state", containing: "in-place") {
            try [Float](repeating: 0, count: 6).withUnsafeBufferPointer { try w._copy(from: $0) }
        }
        #expect(w.scalars == [100, 2, 3, 7, 8, 9], "refused writes changed nothing")
        try withNoGrad { try w._copy(from: Tensor(1)) }
        #expect(w.scalars == [1, 1, 1, 1, 1, 1])
    }

    /// A backward that fails leaves every .grad as it was, even when part of the graph ran.
    @Test func failedBackwardChangesNoGradient() throws {
        let x = Tensor([1, 2], requiresGrad: true)
        let w = Tensor([3, 4], requiresGrad: true)
        let a = x * w
        try a.sum().backwardChecked()
        let gx = x.grad!.scalars, gw = w.grad!.scalars
        // w + ... reaches w directly and through the freed MulBackward0 node.
        let b = (a + w).sum()
        expectSwishError("state") { try b.backwardChecked() }
        #expect(x.grad!.scalars == gx && w.grad!.scalars == gw)
        let fresh = Tensor([1, 1], requiresGrad: true)
        expectSwishError("state") { try (a * fresh).sum().backwardChecked() }
        #expect(fresh.grad == nil)
    }

    /// Deep graphs neither overflow the stack when differentiated nor when they are released: 20,000
    /// chained adds (the example) and a 50,000-op mixed chain. Before Node released its inputs
    /// iteratively, dropping a chain of about 30,000 ops overflowed a test thread's stack.
    @Test func longChainsBackpropagate() throws {
        let x = Tensor([1, 2], requiresGrad: true)
        do {
            var y = x
            for _ in 0..<20_000 { y = y + 1 }
            try y.sum().backwardChecked()
            #expect(y.scalars == [20_001, 20_002])
        }
        #expect(x.grad!.scalars == [1, 1])
        x.zeroGrad()
        let one: Float = 1
        do {
            var y = x
            for i in 0..<50_000 {
                switch i % 3 {
                case 0: y = y * one
                case 1: y = y.relu()
                default: y = y + x * 0
                }
            }
            try y.sum().backwardChecked()
        }
        // y = x + 0 * x * (16,666 times): d/dx = 1 + 16,666 * 0.
        #expect(x.grad!.scalars == [1, 1])
    }

    /// Releasing the output of a graph releases the whole graph (no reference cycle keeps it alive).
    @Test func graphsAreReleased() {
        let binary: [(String, (Tensor, Tensor) -> Tensor)] = [
            ("add", { $0 + $1 }), ("sub", { $0 - $1 }), ("mul", { $0 * $1 }), ("div", { $0 / $1 }),
            ("matmul", { $0.reshape([1, 2]).matmul($1.reshape([2, 1])) }),
        ]
        let unary: [(String, (Tensor) -> Tensor)] = [
            ("rdiv", { 2 / $0 }), ("exp", { $0.exp() }), ("log", { $0.log() }), ("sqrt", { $0.sqrt() }),
            ("pow", { $0.pow(3) }), ("abs", { $0.abs() }), ("clamp", { $0.clamp(min: 1) }), ("relu", { $0.relu() }),
            ("sum", { $0.sum() }), ("mean", { $0.mean(dim: 0) }), ("max", { $0.max() }),
            ("max_dim", { $0.max(dim: 0).values }), ("transpose", { $0.reshape([2, 1]).t() }), ("select", { $0[0] }),
            ("sigmoid", { $0.sigmoid() }), ("tanh", { $0.tanh() }), ("gelu", { $0.gelu() }), ("silu", { $0.silu() }),
            ("softmax", { $0.softmax(dim: 0) }), ("log_softmax", { $0.logSoftmax(dim: 0) }),
        ]
        let ops = binary + unary.map { name, f in (name, { (a: Tensor, _: Tensor) in f(a) }) }
        for (name, f) in ops {
            weak var weakOut: Tensor?
            weak var weakNode: Node?
            let a = Tensor([1, 2], requiresGrad: true), b = Tensor([3, 4], requiresGrad: true)
            do {
                let out = f(a, b)
                weakOut = out
                weakNode = out.gradFn
                #expect(weakNode != nil, "\(name) records a node")
            }
            #expect(weakOut == nil, "\(name): output still alive")
            #expect(weakNode == nil, "\(name): node still alive")
        }
    }
}
