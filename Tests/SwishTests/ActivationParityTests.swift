import Testing

@testable import Swish

// Activations against PyTorch (Fixtures/training.json, written by Tests/generate/gen_training.py):
// values and gradients on a grid reaching |x| = 1e4, where every output and gradient must be finite.

@Suite struct ActivationParityTests {
    let fixture: Fixture
    init() throws { fixture = try Fixture("training").child("activations") }

    static func function(_ name: String) -> (Tensor) -> Tensor {
        let table: [(String, (Tensor) -> Tensor)] = [
        ("sigmoid", { $0.sigmoid() }),
        ("tanh", { $0.tanh() }),
        ("relu", { $0.relu() }),
        ("leaky_relu", { $0.leakyRelu() }),
        ("leaky_relu_0.2", { $0.leakyRelu(negativeSlope: 0.2) }),
        ("gelu", { $0.gelu() }),
        ("gelu_tanh", { $0.gelu(approximate: .tanh) }),
        ("silu", { $0.silu() }),
        ]
        return table.first { $0.0 == name }!.1
    }

    @Test(arguments: ["sigmoid", "tanh", "relu", "leaky_relu", "leaky_relu_0.2", "gelu", "gelu_tanh", "silu"])
    func matchesPyTorchIncludingExtremes(name: String) throws {
        let f = Self.function(name)
        let x = try fixture.tensor("x").requiresGrad_()
        let w = try fixture.tensor("upstream")
        let expected = try fixture.child(name)
        let y = f(x)
        (y * w).sum().backward()
        expectClose(y, try expected.floats("y"), atol: 1e-7, rtol: 1e-5, "\(name) forward")
        expectClose(x.grad!, try expected.floats("grad"), atol: 1e-7, rtol: 1e-5, "\(name) gradient")
        #expect(y.scalars.allSatisfy { $0.isFinite }, "\(name): non-finite output")
        #expect(x.grad!.scalars.allSatisfy { $0.isFinite }, "\(name): non-finite gradient")
    }

    @Test(arguments: [0, 1])
    func softmaxAndLogSoftmaxMatchPyTorch(dim: Int) throws {
        let w = try fixture.tensor("softmax_upstream")
        for (name, f) in [("softmax", { (t: Tensor) in t.softmax(dim: dim) }), ("log_softmax", { $0.logSoftmax(dim: dim) })] {
            let x = try fixture.tensor("softmax_x").requiresGrad_()
            let expected = try fixture.child("\(name)_dim\(dim)")
            let y = f(x)
            (y * w).sum().backward()
            expectClose(y, try expected.floats("y"), atol: 1e-6, rtol: 1e-5, "\(name) dim \(dim)")
            expectClose(x.grad!, try expected.floats("grad"), atol: 1e-6, rtol: 1e-5, "\(name) dim \(dim) gradient")
            #expect(y.scalars.allSatisfy { $0.isFinite } && x.grad!.scalars.allSatisfy { $0.isFinite })
        }
    }

    /// Sigmoid, SiLU and log-softmax stay finite with finite gradients far beyond float32's exp range.
    @Test func finiteAtLargeMagnitudes() {
        let x = Tensor([-1e30, -1e4, -104, 104, 1e4, 1e30], requiresGrad: true)
        for f: (Tensor) -> Tensor in [{ $0.sigmoid() }, { $0.silu() }, { $0.logSoftmax(dim: 0) }] {
            x.zeroGrad()
            let y = f(x)
            y.sum().backward()
            #expect(y.scalars.allSatisfy { $0.isFinite }, "\(y)")
            #expect(x.grad!.scalars.allSatisfy { $0.isFinite }, "\(x.grad!)")
        }
    }
}
