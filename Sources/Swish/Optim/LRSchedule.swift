#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Learning-rate schedules as plain values: each gives the learning rate for an epoch by PyTorch's closed
// form, and the caller sets it on the optimizer (`opt.learningRate = schedule.learningRate(epoch: e)`),
// so there is no hidden counter to keep in step with the training loop.

/// PyTorch's `StepLR`: the learning rate is multiplied by `gamma` every `stepSize` epochs,
/// lr(epoch) = baseLR * gamma^floor(epoch / stepSize).
///
/// ```swift
/// let schedule = try StepLR(baseLR: 0.1, stepSize: 30, gamma: 0.1)
/// for epoch in 0..<90 {
///     opt.learningRate = schedule.learningRate(epoch: epoch)
///     // ... train one epoch ...
/// }
/// ```
public struct StepLR: Sendable {
    public let baseLR: Float
    public let stepSize: Int
    public let gamma: Float

    /// Throws ``SwishError/invalidArgument(_:)`` for a negative or non-finite base rate, a step size
    /// below 1 or a negative or non-finite gamma.
    public init(baseLR: Float, stepSize: Int, gamma: Float = 0.1) throws {
        try Optimizer.checkLearningRate(baseLR)
        guard stepSize >= 1 else { throw SwishError.invalidArgument("StepLR step_size must be >= 1, got \(stepSize)") }
        guard gamma >= 0, gamma.isFinite else { throw SwishError.invalidArgument("StepLR gamma must be >= 0, got \(gamma)") }
        self.baseLR = baseLR
        self.stepSize = stepSize
        self.gamma = gamma
    }

    /// The learning rate for `epoch` (0-based; negative epochs count as 0).
    public func learningRate(epoch: Int) -> Float {
        Float(Double(baseLR) * pow(Double(gamma), Double(Swift.max(epoch, 0) / stepSize)))
    }
}

/// PyTorch's `CosineAnnealingLR` in its closed form: the learning rate follows half a cosine from
/// `baseLR` at epoch 0 down to `etaMin` at epoch `tMax`,
/// lr(epoch) = etaMin + (baseLR - etaMin) * (1 + cos(pi * epoch / tMax)) / 2
/// (past `tMax` the cosine rises again, as PyTorch's does without restarts).
public struct CosineAnnealingLR: Sendable {
    public let baseLR: Float
    public let tMax: Int
    public let etaMin: Float

    /// Throws ``SwishError/invalidArgument(_:)`` for a negative or non-finite base rate or eta_min, or a
    /// tMax below 1.
    public init(baseLR: Float, tMax: Int, etaMin: Float = 0) throws {
        try Optimizer.checkLearningRate(baseLR)
        guard tMax >= 1 else { throw SwishError.invalidArgument("CosineAnnealingLR T_max must be >= 1, got \(tMax)") }
        guard etaMin >= 0, etaMin.isFinite else {
            throw SwishError.invalidArgument("CosineAnnealingLR eta_min must be >= 0, got \(etaMin)")
        }
        self.baseLR = baseLR
        self.tMax = tMax
        self.etaMin = etaMin
    }

    /// The learning rate for `epoch` (0-based; negative epochs count as 0).
    public func learningRate(epoch: Int) -> Float {
        let e = Double(Swift.max(epoch, 0))
        return Float(Double(etaMin) + (Double(baseLR) - Double(etaMin)) * (1 + cos(Double.pi * e / Double(tMax))) / 2)
    }
}
