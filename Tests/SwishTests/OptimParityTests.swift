import Testing

@testable import Swish

// Optimizers against PyTorch (Fixtures/training.json, written by Tests/generate/gen_training.py): 100
// full-batch steps on out = relu(x @ W1^T + b1) @ W2^T + b2 from the same initial parameters must end at
// PyTorch's parameters within 1e-5 relative. Yogi is compared with the generator's reference loop,
// written from the paper's formula with D2L's bias correction.

@Suite struct OptimParityTests {
    let fixture: Fixture
    init() throws { fixture = try Fixture("training").child("optimizers") }

    static let names = ["W1", "b1", "W2", "b2"]

    /// The optimizer a fixture run describes.
    static func make(_ run: Fixture, _ params: [Tensor]) throws -> Optimizer {
        func f(_ key: String, _ fallback: Float) -> Float { (run[key] as? Double).map { Float($0) } ?? fallback }
        let betas = (run["betas"] as? [Double]).map { (Float($0[0]), Float($0[1])) } ?? (0.9, 0.999)
        switch try run.string("optimizer") {
        case "sgd":
            return try SGD(
                params, learningRate: f("lr", 0), momentum: f("momentum", 0), dampening: f("dampening", 0),
                weightDecay: f("weight_decay", 0), nesterov: run["nesterov"] as? Bool ?? false)
        case "adam":
            return try Adam(
                params, learningRate: f("lr", 0), betas: betas, weightDecay: f("weight_decay", 0),
                amsgrad: run["amsgrad"] as? Bool ?? false)
        case "adamw":
            return try AdamW(params, learningRate: f("lr", 0), betas: betas, weightDecay: f("weight_decay", 0))
        case "yogi":
            return try Yogi(
                params, learningRate: f("lr", 0), betas: betas, initialAccumulator: f("initial_accumulator", 1e-6),
                weightDecay: f("weight_decay", 0))
        case let other:
            throw FixtureError("unknown optimizer \(other)")
        }
    }

    /// Runs `steps` steps of the fixture's configuration; returns the parameters and the losses seen.
    func train(_ runName: String, steps: Int = 100, duplicateParameters: Bool = false) throws
        -> (params: [String: Tensor], first: Float, last: Float)
    {
        let run = try fixture.child("runs").child(runName)
        let initial = try fixture.child("init")
        var p: [String: Tensor] = [:]
        for n in Self.names { p[n] = try initial.tensor(n).requiresGrad_() }
        let x = try fixture.tensor("X"), yReg = try fixture.tensor("Y_reg")
        let yCls = Tensor(indices: try fixture.floats("Y_cls").map { Int($0) })
        var list = Self.names.map { p[$0]! }
        if duplicateParameters { list += list.reversed() }  // tied: each must still move once per step
        let opt = try Self.make(run, list)
        #expect(opt.parameters.count == 4)
        let dropEvery = run["drop_b2_every"] as? Int ?? 0
        let classify = try run.string("loss") == "ce"
        var first: Float = .nan, last: Float = .nan
        for step in 0..<steps {
            opt.zeroGrad()
            let h = (x.matmul(p["W1"]!.t()) + p["b1"]!).relu()
            let out = h.matmul(p["W2"]!.t()) + p["b2"]!
            let loss = classify ? crossEntropy(out, yCls) : mseLoss(out, yReg)
            loss.backward()
            if dropEvery > 0 && step % dropEvery == 0 { p["b2"]!.zeroGrad() }
            opt.step()
            if step == 0 { first = loss.item() }
            last = loss.item()
        }
        return (p, first, last)
    }

    @Test(arguments: [
        "sgd", "sgd_momentum", "sgd_nesterov", "adam", "adam_weight_decay", "adam_amsgrad", "adamw", "yogi",
        "yogi_weight_decay", "adam_skip",
    ])
    func hundredStepsMatchPyTorch(runName: String) throws {
        let run = try fixture.child("runs").child(runName)
        let (p, first, last) = try train(runName)
        let final = try run.child("final")
        for n in Self.names {
            expectClose(p[n]!, try final.floats(n), atol: 1e-6, rtol: 1e-5, "\(runName) \(n) after 100 steps")
        }
        #expect(close([first, last], [Float(run["loss_first"] as! Double), Float(run["loss_last"] as! Double)]))
    }

    @Test func tiedParametersAreUpdatedOnce() throws {
        let (p, _, _) = try train("adam", duplicateParameters: true)
        let final = try fixture.child("runs").child("adam").child("final")
        for n in Self.names { expectClose(p[n]!, try final.floats(n), atol: 1e-6, rtol: 1e-5, "tied \(n)") }
    }
}

@Suite struct OptimBehaviourTests {
    @Test func badHyperparametersThrowAtCreation() {
        let w = Tensor([1, 2], requiresGrad: true)
        #expect(throws: SwishError.invalidArgument("Invalid learning rate: -0.1")) { try SGD([w], learningRate: -0.1) }
        #expect(throws: SwishError.self) { try SGD([w], learningRate: 0.1, momentum: -1) }
        #expect(throws: SwishError.self) { try SGD([w], learningRate: 0.1, nesterov: true) }
        #expect(throws: SwishError.self) { try SGD([w], learningRate: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true) }
        #expect(throws: SwishError.self) { try Adam([w], betas: (1, 0.999)) }
        #expect(throws: SwishError.self) { try Adam([w], betas: (0.9, -0.1)) }
        #expect(throws: SwishError.self) { try Adam([w], eps: 0) }
        #expect(throws: SwishError.self) { try AdamW([w], weightDecay: -1) }
        #expect(throws: SwishError.self) { try Yogi([w], eps: -1e-3) }
        #expect(throws: SwishError.self) { try Yogi([w], initialAccumulator: -1) }
        #expect(throws: SwishError.self) { try Adam([]) }
        #expect(throws: SwishError.self) { try Adam([w * 2]) }  // not a leaf
        #expect(throws: SwishError.self) { try Adam([Tensor(indices: [1])]) }
        let opt = try! SGD([w], learningRate: 0.1)
        #expect(throws: SwishError.self) { try opt._setLearningRate(.nan) }
        #expect(opt.learningRate == 0.1)
    }

    /// A net with a layer placed twice (tied), drawn from `seed`.
    static func tiedNet(seed: UInt64) -> Sequential {
        let g = Generator(seed: seed)
        let shared = Linear(3, 3, generator: g)
        return Sequential(Linear(2, 3, generator: g), ReLU(), shared, ReLU(), shared, Linear(3, 1, generator: g))
    }

    @Test func optimizersOverAModuleTakeItsParametersOnceEach() throws {
        let net = Self.tiedNet(seed: 3)
        let expected = net.parameters()
        #expect(expected.count == 6)  // the tied layer's weight and bias count once
        let optimizers: [Optimizer] = [
            try SGD(net, learningRate: 0.1, momentum: 0.9), try Adam(net, learningRate: 1e-2), try AdamW(net),
            try Yogi(net),
        ]
        for opt in optimizers {
            #expect(opt.parameters.count == expected.count)
            #expect(zip(opt.parameters, expected).allSatisfy { $0 === $1 })
        }
        #expect((optimizers[2] as! AdamW).weightDecay == 1e-2)
        #expect((optimizers[3] as! Yogi).learningRate == 1e-2)

        // Three Adam steps over the module give what three over net.parameters() of a twin net give.
        let twin = Self.tiedNet(seed: 3)
        let viaList = try Adam(twin.parameters(), learningRate: 1e-2)
        let x = Tensor([1, -1, 0.5, 2], shape: [2, 2])
        for _ in 0..<3 {
            for (n, opt) in [(net, optimizers[1]), (twin, viaList)] {
                opt.zeroGrad()
                n(x).square().sum().backward()
                opt.step()
            }
        }
        #expect(net.parameters().map(\.scalars) == twin.parameters().map(\.scalars))
        #expect(net.parameters()[0].scalars != Self.tiedNet(seed: 3).parameters()[0].scalars)  // they moved
    }

    @Test func optimizersOverAModuleReportUnusableModules() throws {
        let lazy = Sequential(LazyLinear(4), ReLU())
        #expect(throws: SwishError.self) { try Adam(lazy) }  // uninitialized lazy parameters
        #expect(throws: SwishError.invalidArgument("optimizer got an empty parameter list (the ReLU has no parameters)")) {
            try SGD(ReLU())
        }
        _ = lazy(Tensor.zeros([1, 3]))
        #expect(try Yogi(lazy).parameters.count == 2)
    }

    @Test func stepWithoutGradientsChangesNothing() throws {
        let w = Tensor([1, 2], requiresGrad: true)
        let opt = try Adam([w], learningRate: 0.1)
        #expect(opt.step() == 0)
        #expect(w.scalars == [1, 2])
        #expect(opt.state(ofParameter: 0) == nil)
        (w * w).sum().backward()
        #expect(opt.step() == 1)
        #expect(opt.state(ofParameter: 0)?.step == 1)
        // Adam's first step moves every element by lr (m_hat / sqrt(v_hat) = sign(g)).
        expectClose(w, [0.9, 1.9], atol: 1e-6, rtol: 0)
        opt.zeroGrad()
        #expect(w.grad == nil)
    }

    @Test func statesRoundTripBitExactlyAndBadStatesAreRefused() throws {
        let w = Tensor([1, -2, 3], requiresGrad: true)
        let opt = try Yogi([w], learningRate: 0.1)
        (w * w).sum().backward()
        opt.step()
        let snapshot = opt.stateSnapshot()
        #expect(snapshot[0]?.step == 1)
        #expect(Set(snapshot[0]!.buffers.keys) == ["exp_avg", "exp_avg_sq"])
        // Keep copies: the optimizer's own buffers change with the next step.
        let saved = snapshot.map { s in
            s.map { ParameterState(step: $0.step, buffers: $0.buffers.mapValues { try! $0.copyDetached() }) }
        }
        let savedW = w.scalars
        opt.step()
        let afterTwo = w.scalars
        // Restoring the parameter and the state and stepping again with the same gradient gives the same
        // parameters, bit for bit.
        try opt.loadState(saved)
        #expect(opt.state(ofParameter: 0)?.step == 1)
        w.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = savedW[i] } }
        opt.step()
        #expect(w.scalars == afterTwo)
        #expect(opt.state(ofParameter: 0)?.step == 2)
        // A state with a wrong shape, a missing buffer or too few entries is refused and changes nothing.
        var bad = saved
        bad[0]!.buffers["exp_avg"] = Tensor.zeros([2])
        #expect(throws: SwishError.self) { try opt.loadState(bad) }
        bad = saved
        bad[0]!.buffers.removeValue(forKey: "exp_avg_sq")
        #expect(throws: SwishError.self) { try opt.loadState(bad) }
        #expect(throws: SwishError.self) { try opt.loadState([]) }
        #expect(opt.state(ofParameter: 0)?.step == 2)
    }

    @Test func learningRateSchedulesMatchPyTorch() throws {
        let f = try Fixture("training").child("schedules")
        let step = try f.child("step"), cosine = try f.child("cosine")
        let s = try StepLR(baseLR: 0.1, stepSize: step["step_size"] as! Int, gamma: 0.5)
        let c = try CosineAnnealingLR(baseLR: 0.1, tMax: cosine["t_max"] as! Int, etaMin: 0.001)
        #expect(close((0..<10).map { s.learningRate(epoch: $0) }, (step["lrs"] as! [Double]).map { Float($0) }, atol: 1e-7, rtol: 1e-6))
        #expect(close((0..<12).map { c.learningRate(epoch: $0) }, (cosine["lrs"] as! [Double]).map { Float($0) }, atol: 1e-7, rtol: 1e-6))
        #expect(throws: SwishError.self) { try StepLR(baseLR: 0.1, stepSize: 0) }
        #expect(throws: SwishError.self) { try CosineAnnealingLR(baseLR: -1, tMax: 5) }
    }

    @Test func clipGradNormMatchesPyTorch() throws {
        let f = try Fixture("training").child("clip_grad_norm")
        let grads = try (f["grads"] as! [[String: Any]]).map { try Fixture.tensor(from: $0) }
        for key in ["norm2_max1", "norm2_max100", "norminf_max2", "norm1_max5"] {
            let c = try f.child(key)
            let normType: Float = (c["norm_type"] as? String) == "inf" ? .infinity : Float(c["norm_type"] as! Double)
            let params = grads.map { g in Tensor.zeros(g.shape, requiresGrad: true) }
            for (p, g) in zip(params, grads) { p.setGrad(try g.copyDetached()) }
            // Listing a parameter twice does not count it twice.
            let total = clipGradNorm(params + [params[0]], maxNorm: Float(c["max_norm"] as! Double), normType: normType)
            #expect(close([total], [Float(c["total"] as! Double)], rtol: 1e-6), "\(key)")
            let expected = try (c["grads"] as! [[String: Any]]).map { try Fixture.tensor(from: $0) }
            for (p, e) in zip(params, expected) { expectClose(p.grad!, e.scalars, atol: 1e-7, rtol: 1e-6, key) }
        }
    }
}
