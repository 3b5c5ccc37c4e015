import Testing
import Swish

@Test func autogradOfSumReluAffine() {
    let x = Tensor([1, 2, 3, -1, 0.5, 2], shape: [2, 3])
    let w = Tensor([0.5, -1, 0.25, 1, -0.5, 0.5], shape: [3, 2], requiresGrad: true)
    let b = Tensor([0.1, -0.2], requiresGrad: true)
    let y = (x.matmul(w) + b).relu().sum()
    #expect(Swift.abs(y.item() - 4.6) < 1e-6)
    y.backward()
    #expect(w.grad!.scalars == [0, 0, 0, 2.5, 0, 5])
    #expect(b.grad!.scalars == [0, 2])
    #expect(y.description == "tensor(4.6000, grad_fn=<SumBackward0>)")
}
