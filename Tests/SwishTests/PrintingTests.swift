import Testing

@testable import Swish

// `description` must equal PyTorch's str(t) exactly (Fixtures/core.json, "print" section), plus the
// examples the issue quotes.

@Suite struct PrintingTests {
    @Test(arguments: coreCases("print"))
    func matchesPyTorch(_ c: CoreCase) throws {
        let rec = try coreRecord("print", c)
        let inputs = try coreInputs(rec, requiresGrad: rec["requires_grad"] as? Bool ?? false)
        let t = try applyCoreOp(try rec.string("op"), inputs, rec["args"] as? [String: Any] ?? [:])
        let want = try rec.string("str")
        #expect(t.description == want, "\(c.name):\n\(t.description)\n-- PyTorch --\n\(want)")
    }

    @Test func examplesFromTheIssue() {
        #expect(Tensor([-0.2723]).description == "tensor([-0.2723])")
        #expect(Tensor([42, 42], shape: [1, 2]).description == "tensor([[42., 42.]])")
        #expect(Tensor(0).description == "tensor(0.)")
        #expect((Tensor([1, 2]) == Tensor([1, 2])).description == "tensor([True, True])")
        let x = Tensor([0.1, 0.2, -0.03, 0.0001], requiresGrad: true)
        #expect(x.sum().description == "tensor(0.2701, grad_fn=<SumBackward0>)")
    }

    /// With no element to show it, PyTorch names a non-float dtype.
    @Test func emptyTensorsNameTheirDtype() {
        #expect((Tensor.zeros([0]) > 0).description == "tensor([], dtype=torch.bool)")
        #expect((Tensor.zeros([0, 3]) > 0).description == "tensor([], size=(0, 3), dtype=torch.bool)")
        #expect(Tensor.zeros([0, 3]).argmax(dim: 1).description == "tensor([], dtype=torch.int64)")
        #expect(Tensor.zeros([0, 3]).description == "tensor([], size=(0, 3))")
    }

    /// Printing is a read: it must not change the values, the graph or the gradient.
    @Test func printingChangesNothing() {
        let x = Tensor([1.5, -2], requiresGrad: true)
        let y = x * 2
        _ = y.description
        #expect(y.scalars == [3, -4])
        #expect(y.gradFnName == "MulBackward0")
        #expect(x.grad == nil)
    }
}
