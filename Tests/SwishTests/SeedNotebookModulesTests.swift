import Testing

import Swish

// The seed notebook's sections 1-3 ("Layers and Modules", "Parameter Management", "Parameter
// Initialization") in Swift, cell by cell, the notebook's Python quoted above each cell. Random values
// differ from the notebook's (another generator), so what the printed values must satisfy is checked.
// The tutorial begin/end comments mark the code docs/tutorial.md shows (scripts/tutorial.py copies it).

/// The notebook's nn.Module subclasses.
enum SeedNets {
    // tutorial:begin nets
    /// ```python
    /// class MLP(nn.Module):
    ///     def __init__(self):
    ///         super().__init__()
    ///         self.hidden = nn.LazyLinear(256)
    ///         self.out = nn.LazyLinear(10)
    ///     def forward(self, X):
    ///         return self.out(F.relu(self.hidden(X)))
    /// ```
    final class MLP: Module {
        let hidden = LazyLinear(256)
        let out = LazyLinear(10)

        override func forward(_ X: Tensor) -> Tensor {
            out(hidden(X).relu())
        }
    }

    /// ```python
    /// class FixedHiddenMLP(nn.Module):
    ///     def __init__(self):
    ///         super().__init__()
    ///         self.rand_weight = torch.rand((20, 20))
    ///         self.linear = nn.LazyLinear(20)
    ///     def forward(self, X):
    ///         X = self.linear(X)
    ///         X = F.relu(X @ self.rand_weight + 1)
    ///         X = self.linear(X)
    ///         while X.abs().sum() > 1:
    ///             X /= 2
    ///         return X.sum()
    /// ```
    final class FixedHiddenMLP: Module {
        let linear = LazyLinear(20)

        override init() {
            super.init()
            // Random weight parameters that will not compute gradients and therefore keep constant during
            // training: a buffer, non-persistent so the state dict has the keys PyTorch gives for the
            // notebook's plain attribute.
            registerBuffer("rand_weight", Tensor.rand([20, 20]), persistent: false)
        }

        override func forward(_ input: Tensor) -> Tensor {
            var X = linear(input)
            X = (X.matmul(self.rand_weight) + 1).relu()
            // Reuse the fully connected layer: the same parameters a second time.
            X = linear(X)
            // Control flow
            while X.abs().sum().item() > 1 {
                X /= 2
            }
            return X.sum()
        }
    }

    /// ```python
    /// class NestMLP(nn.Module):
    ///     def __init__(self):
    ///         super().__init__()
    ///         self.net = nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(32), nn.ReLU())
    ///         self.linear = nn.LazyLinear(16)
    ///     def forward(self, X):
    ///         return self.linear(self.net(X))
    /// ```
    final class NestMLP: Module {
        let net = Sequential(LazyLinear(64), ReLU(), LazyLinear(32), ReLU())
        let linear = LazyLinear(16)

        override func forward(_ X: Tensor) -> Tensor {
            linear(net(X))
        }
    }
    // tutorial:end nets
}

@Suite struct SeedNotebookModules {
    @Test func section1LayersAndModules() {
        // tutorial:begin section1
        // X = torch.rand(2, 20)
        let X = Tensor.rand([2, 20])

        let mlp = SeedNets.MLP()
        #expect(mlp(X).shape == [2, 10])

        // chimera = nn.Sequential(NestMLP(), nn.LazyLinear(20), FixedHiddenMLP())
        // chimera(X)                               -> tensor(0.2701, grad_fn=<SumBackward0>)
        let chimera = Sequential(SeedNets.NestMLP(), LazyLinear(20), SeedNets.FixedHiddenMLP())
        let y = chimera(X)
        #expect(y.ndim == 0)
        #expect(y.gradFnName == "SumBackward0")
        #expect(y.description.hasSuffix(", grad_fn=<SumBackward0>)"))
        #expect(Swift.abs(y.item()) <= 1, "the while loop ends with |sum| <= 1")

        // Everything trains except the constant: the reused linear layer's parameters appear once.
        #expect(chimera.parameters().count == 10)
        #expect(chimera.namedBuffers().map(\.name) == ["2.rand_weight"])
        y.backward()
        for (name, p) in chimera.namedParameters() {
            #expect(p.grad?.shape == p.shape, "\(name) has a gradient of its shape")
        }
        #expect(chimera.buffer("2.rand_weight").grad == nil)
        // tutorial:end section1
    }

    @Test func section2ParameterAccess() {
        // tutorial:begin access
        // net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
        // X = torch.rand(size=(2, 4))
        // net(X).shape                             -> torch.Size([2, 1])
        let net = Sequential(LazyLinear(8), ReLU(), LazyLinear(1))
        let X = Tensor.rand([2, 4])
        #expect(net(X).shape == [2, 1])

        // net[2].state_dict()                     -> OrderedDict([('weight', tensor([[...]])), ('bias', tensor([...]))])
        let sd = net[2].stateDict()
        #expect(sd.keys == ["weight", "bias"])
        #expect(sd["weight"]!.shape == [1, 8])
        #expect(sd.description.hasPrefix("OrderedDict([('weight', tensor([["))

        // net[2].bias.data                         -> tensor([-0.2723])
        #expect(net[2].bias.data.scalars == sd["bias"]!.scalars)
        #expect(net[2].bias.data.description == sd["bias"]!.description)

        // [(name, param.shape) for name, param in net.named_parameters()]
        let shapes = net.namedParameters().map { ($0.name, $0.parameter.shape) }
        #expect(shapes.map(\.0) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(shapes.map(\.1) == [[8, 4], [8], [1, 8], [1]])
        // tutorial:end access
    }

    @Test func section2TiedParameters() {
        // tutorial:begin tied
        // shared = nn.LazyLinear(8)
        // net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.LazyLinear(1))
        // net(X)
        let shared = LazyLinear(8)
        let net = Sequential(LazyLinear(8), ReLU(), shared, ReLU(), shared, ReLU(), LazyLinear(1))
        let X = Tensor.rand([2, 4])
        _ = net(X)

        // print(net[2].weight.data[0] == net[4].weight.data[0])    -> tensor([True, True, ..., True])
        #expect((net[2].weight.data[0] == net[4].weight.data[0]).description
            == "tensor([True, True, True, True, True, True, True, True])")
        // net[2].weight.data[0, 0] = 100
        net[2].weight.data[0, 0] = 100
        // print(net[2].weight.data[0] == net[4].weight.data[0])    -> tensor([True, True, ..., True])
        #expect((net[2].weight.data[0] == net[4].weight.data[0]).all())
        #expect(net[4].weight[0, 0].item() == 100)
        #expect(net[2] === net[4])

        // The gradients of the second and third hidden layers are added during backpropagation: the shared
        // weight's gradient is the sum of what two separate layers with the same values get.
        let untied = Sequential(Linear(4, 8), ReLU(), Linear(8, 8), ReLU(), Linear(8, 8), ReLU(), Linear(8, 1))
        untied.loadStateDict(net.stateDict())
        net(X).sum().backward()
        untied(X).sum().backward()
        expectClose(shared.weight.grad!, (untied[2].weight.grad! + untied[4].weight.grad!).scalars, atol: 1e-6)
        expectClose(shared.bias!.grad!, (untied[2].bias.grad! + untied[4].bias.grad!).scalars, atol: 1e-6)
        // tutorial:end tied
    }

    @Test func section3ParameterInitialization() {
        // tutorial:begin init
        // net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1)); net(X).shape
        let net = Sequential(LazyLinear(8), ReLU(), LazyLinear(1))
        #expect(net(Tensor.rand([2, 4])).shape == [2, 1])

        // def init_normal(module):
        //     if type(module) == nn.Linear:
        //         nn.init.normal_(module.weight, mean=0, std=0.01)
        //         nn.init.zeros_(module.bias)
        // net.apply(init_normal)
        func initNormal(_ module: Module) {
            if module is Linear {
                Init.normal_(module.weight, mean: 0, std: 0.01)
                Init.zeros_(module.bias)
            }
        }
        net.apply(initNormal)
        // net[0].weight.data[0], net[0].bias.data[0]      -> (tensor([ 0.0049, -0.0119, -0.0006,  0.0060]), tensor(0.))
        #expect(net[0].weight.data[0].scalars.allSatisfy { Swift.abs($0) < 0.06 })
        #expect(net[0].bias.data[0].description == "tensor(0.)")

        // def init_constant(module): nn.init.constant_(module.weight, 1); nn.init.zeros_(module.bias)
        net.apply { module in
            if module is Linear {
                Init.constant_(module.weight, 1)
                Init.zeros_(module.bias)
            }
        }
        // net[0].weight.data[0], net[0].bias.data[0]      -> (tensor([1., 1., 1., 1.]), tensor(0.))
        #expect("(\(net[0].weight.data[0]), \(net[0].bias.data[0]))" == "(tensor([1., 1., 1., 1.]), tensor(0.))")

        // def init_xavier(module): nn.init.xavier_uniform_(module.weight)
        // def init_42(module): nn.init.constant_(module.weight, 42)
        // net[0].apply(init_xavier); net[2].apply(init_42)
        net[0].apply { if $0 is Linear { Init.xavierUniform_($0.weight) } }
        net[2].apply { if $0 is Linear { Init.constant_($0.weight, 42) } }
        // print(net[0].weight.data[0])                    -> tensor([-0.2814, -0.1015, -0.5769,  0.4441])
        let bound: Float = (6.0 / (4 + 8)).squareRoot()
        #expect(net[0].weight.scalars.allSatisfy { Swift.abs($0) <= bound })
        // print(net[2].weight.data)                       -> tensor([[42., 42., 42., 42., 42., 42., 42., 42.]])
        #expect(net[2].weight.data.description == "tensor([[42., 42., 42., 42., 42., 42., 42., 42.]])")
        // tutorial:end init
    }
}
