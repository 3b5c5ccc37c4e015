/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight decay,
/// exactly as `torch.optim.SGD`:
///
///     g = grad + weight_decay * p
///     b = g                                     (first step)
///     b = momentum * b + (1 - dampening) * g    (later steps)
///     g = g + momentum * b   if nesterov,   else g = b      (only when momentum != 0)
///     p = p - lr * g
///
/// ```swift
/// let opt = try SGD([w, b], learningRate: 0.1, momentum: 0.9, nesterov: true)
/// ```
public final class SGD: Optimizer {
    public let momentum: Float
    public let dampening: Float
    public let weightDecay: Float
    public let nesterov: Bool

    /// Throws ``SwishError/invalidArgument(_:)`` for a negative or non-finite learning rate, momentum or
    /// weight decay, and for Nesterov momentum without momentum or with dampening (as PyTorch).
    public init(
        _ parameters: [Tensor], learningRate: Float = 1e-3, momentum: Float = 0, dampening: Float = 0,
        weightDecay: Float = 0, nesterov: Bool = false
    ) throws {
        guard momentum >= 0, momentum.isFinite else { throw SwishError.invalidArgument("Invalid momentum value: \(momentum)") }
        guard dampening.isFinite else { throw SwishError.invalidArgument("Invalid dampening value: \(dampening)") }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw SwishError.invalidArgument("Invalid weight_decay value: \(weightDecay)")
        }
        guard !nesterov || (momentum > 0 && dampening == 0) else {
            throw SwishError.invalidArgument("Nesterov momentum requires a momentum and zero dampening")
        }
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        try super.init(parameters: parameters, learningRate: learningRate)
    }

    /// SGD over the parameters of `module` and its descendants, each once (PyTorch's
    /// `optim.SGD(net.parameters(), ...)`); the optimizer holds the tensors, not the module.
    ///
    /// ```swift
    /// let opt = try SGD(net, learningRate: 0.1, momentum: 0.9)
    /// ```
    ///
    /// Throws ``SwishError/state(_:)`` while a lazy module's parameters are uninitialized (run a forward
    /// first), and ``SwishError/invalidArgument(_:)`` for a module without parameters or a bad hyperparameter.
    public convenience init(
        _ module: Module, learningRate: Float = 1e-3, momentum: Float = 0, dampening: Float = 0,
        weightDecay: Float = 0, nesterov: Bool = false
    ) throws {
        try self.init(
            try Optimizer.parameters(of: module), learningRate: learningRate, momentum: momentum,
            dampening: dampening, weightDecay: weightDecay, nesterov: nesterov)
    }

    override package var bufferNames: [String] { momentum != 0 ? ["momentum_buffer"] : [] }

    override package func applySingle(
        parameter pp: UnsafeMutablePointer<Float>, gradient gp: UnsafePointer<Float>, range: Range<Int>,
        step: Int, buffers: [Tensor]
    ) {
        let lr = learningRate, wd = weightDecay, mu = momentum
        guard mu != 0 else {
            for i in range { pp[i] = pp[i] + -lr * (gp[i] + wd * pp[i]) }
            return
        }
        let bp = buffers[0].pointer  // momentum_buffer
        let first = step == 1  // PyTorch starts the buffer as a copy of the gradient
        let keep = 1 - dampening
        for i in range {
            let d = wd != 0 ? gp[i] + wd * pp[i] : gp[i]
            let b = first ? d : bp[i] * mu + keep * d
            bp[i] = b
            let step = nesterov ? d + mu * b : b
            pp[i] = pp[i] + -lr * step
        }
    }

    override package var hyperparameters: [String: Double] {
        [
            "lr": Double(learningRate), "momentum": Double(momentum), "dampening": Double(dampening),
            "weight_decay": Double(weightDecay), "nesterov": nesterov ? 1 : 0,
        ]
    }
}
