import _SwishShims

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Checks the hyperparameters Adam, AdamW and Yogi share, with PyTorch's messages.
private func checkAdaptive(beta1: Float, beta2: Float, eps: Float, weightDecay: Float) throws {
    guard eps > 0, eps.isFinite else { throw SwishError.invalidArgument("Invalid epsilon value: \(eps) (must be > 0)") }
    guard beta1 >= 0, beta1 < 1 else { throw SwishError.invalidArgument("Invalid beta parameter at index 0: \(beta1)") }
    guard beta2 >= 0, beta2 < 1 else { throw SwishError.invalidArgument("Invalid beta parameter at index 1: \(beta2)") }
    guard weightDecay >= 0, weightDecay.isFinite else {
        throw SwishError.invalidArgument("Invalid weight_decay value: \(weightDecay)")
    }
}

/// The scalars one bias-corrected adaptive step uses, computed in double as PyTorch does and rounded once.
struct BiasCorrection {
    /// lr / (1 - beta1^t)
    let stepSize: Float
    /// sqrt(1 - beta2^t)
    let sqrtCorrection2: Float

    init(lr: Float, beta1: Float, beta2: Float, step: Int) {
        let t = Double(step)
        stepSize = Float(Double(lr) / (1 - pow(Double(beta1), t)))
        sqrtCorrection2 = Float((1 - pow(Double(beta2), t)).squareRoot())
    }
}

/// `m + w (g - m)`, PyTorch's `lerp_` (which switches to `g - (g - m)(1 - w)` for w >= 0.5).
@inline(__always)
func lerp(_ m: Float, _ g: Float, _ w: Float) -> Float {
    w < 0.5 ? m + w * (g - m) : g - (g - m) * (1 - w)
}

/// Adam (Kingma and Ba, 2015), exactly as `torch.optim.Adam`. For each parameter p with gradient g, at
/// its t-th update:
///
///     g  = g + weight_decay * p                   (L2 penalty; AdamW decays p instead)
///     m  = beta1 * m + (1 - beta1) * g            (exp_avg)
///     v  = beta2 * v + (1 - beta2) * g^2          (exp_avg_sq)
///     v* = max(v*, v) and v = v*                  (max_exp_avg_sq, only with amsgrad)
///     p  = p - lr * m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t)
///
/// computed as PyTorch does: p -= (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
///
/// ```swift
/// let opt = try Adam(params, learningRate: 1e-3, weightDecay: 1e-4, amsgrad: true)
/// ```
public class Adam: Optimizer {
    public let beta1: Float
    public let beta2: Float
    public let eps: Float
    public let weightDecay: Float
    public let amsgrad: Bool
    /// AdamW: weight decay multiplies the parameter by (1 - lr * weight_decay) instead of joining the gradient.
    public let decoupledWeightDecay: Bool

    /// Throws ``SwishError/invalidArgument(_:)`` for a negative learning rate, betas outside [0, 1),
    /// eps <= 0 or a negative weight decay.
    public convenience init(
        _ parameters: [Tensor], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
        eps: Float = 1e-8, weightDecay: Float = 0, amsgrad: Bool = false
    ) throws {
        try self.init(
            parameters, learningRate: learningRate, betas: betas, eps: eps, weightDecay: weightDecay,
            amsgrad: amsgrad, decoupled: false)
    }

    /// Adam over the parameters of `module` and its descendants, each once (PyTorch's
    /// `optim.Adam(net.parameters(), ...)`); the optimizer holds the tensors, not the module.
    ///
    /// ```swift
    /// let opt = try Adam(net, learningRate: 1e-3)
    /// ```
    ///
    /// Throws ``SwishError/state(_:)`` while a lazy module's parameters are uninitialized (run a forward
    /// first), and ``SwishError/invalidArgument(_:)`` for a module without parameters or a bad hyperparameter.
    public convenience init(
        _ module: Module, learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999), eps: Float = 1e-8,
        weightDecay: Float = 0, amsgrad: Bool = false
    ) throws {
        try self.init(
            try Optimizer.parameters(of: module), learningRate: learningRate, betas: betas, eps: eps,
            weightDecay: weightDecay, amsgrad: amsgrad, decoupled: false)
    }

    package init(
        _ parameters: [Tensor], learningRate: Float, betas: (Float, Float), eps: Float, weightDecay: Float,
        amsgrad: Bool, decoupled: Bool
    ) throws {
        try checkAdaptive(beta1: betas.0, beta2: betas.1, eps: eps, weightDecay: weightDecay)
        beta1 = betas.0
        beta2 = betas.1
        self.eps = eps
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        decoupledWeightDecay = decoupled
        try super.init(parameters: parameters, learningRate: learningRate)
    }

    override package var bufferNames: [String] {
        amsgrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"]
    }

    override package func applySingle(
        parameter pp: UnsafeMutablePointer<Float>, gradient gp: UnsafePointer<Float>, range: Range<Int>,
        step: Int, buffers: [Tensor]
    ) {
        let lr = learningRate
        let c = BiasCorrection(lr: lr, beta1: beta1, beta2: beta2, step: step)
        let mp = buffers[0].pointer, vp = buffers[1].pointer  // exp_avg, exp_avg_sq
        let maxp = amsgrad ? buffers[2].pointer : vp  // max_exp_avg_sq
        let w1 = Float(1 - Double(beta1)), w2 = Float(1 - Double(beta2)), b2 = beta2, eps = eps
        let l2 = decoupledWeightDecay ? 0 : weightDecay
        let shrink = decoupledWeightDecay ? Float(1 - Double(lr) * Double(weightDecay)) : 1
        let amsgrad = amsgrad
        let stepSize = c.stepSize, sc2 = c.sqrtCorrection2
        if !amsgrad && l2 == 0 && shrink == 1 && w1 < 0.5 {
            // The common case (no weight decay, no amsgrad) vectorized (the compiler did not vectorize
            // the scalar loop below).
            let k = AdamKernel(w1: w1, w2: w2, b2: b2, stepSize: stepSize, sqrtCorrection2: sc2, eps: eps)
            k.update(pp, gp, mp, vp, range.lowerBound, range.upperBound)
            return
        }
        for i in range {
            if shrink != 1 { pp[i] = pp[i] * shrink }
            let gi = l2 != 0 ? gp[i] + l2 * pp[i] : gp[i]
            let m = lerp(mp[i], gi, w1)
            var v = vp[i] * b2 + w2 * gi * gi
            mp[i] = m
            vp[i] = v
            if amsgrad {
                v = Swift.max(maxp[i], v)
                maxp[i] = v
            }
            pp[i] = pp[i] + -stepSize * m / (v.squareRoot() / sc2 + eps)
        }
    }

    override package var hyperparameters: [String: Double] {
        [
            "lr": Double(learningRate), "beta1": Double(beta1), "beta2": Double(beta2), "eps": Double(eps),
            "weight_decay": Double(weightDecay), "amsgrad": amsgrad ? 1 : 0,
        ]
    }
}

/// AdamW (Loshchilov and Hutter, 2019), exactly as `torch.optim.AdamW`: Adam whose weight decay is
/// decoupled from the gradient. Each update first shrinks the parameter, p = p * (1 - lr * weight_decay),
/// then applies Adam's step without an L2 term. The default weight decay is 1e-2, as in PyTorch.
public final class AdamW: Adam {
    /// Throws ``SwishError/invalidArgument(_:)`` for a negative learning rate, betas outside [0, 1),
    /// eps <= 0 or a negative weight decay.
    public init(
        _ parameters: [Tensor], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
        eps: Float = 1e-8, weightDecay: Float = 1e-2, amsgrad: Bool = false
    ) throws {
        try super.init(
            parameters, learningRate: learningRate, betas: betas, eps: eps, weightDecay: weightDecay,
            amsgrad: amsgrad, decoupled: true)
    }

    /// AdamW over the parameters of `module` and its descendants, each once; the default weight decay is
    /// 1e-2, as for a list. Throws as ``Adam``'s module initializer.
    public convenience init(
        _ module: Module, learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999), eps: Float = 1e-8,
        weightDecay: Float = 1e-2, amsgrad: Bool = false
    ) throws {
        try self.init(
            try Optimizer.parameters(of: module), learningRate: learningRate, betas: betas, eps: eps,
            weightDecay: weightDecay, amsgrad: amsgrad)
    }
}

/// Yogi (Zaheer, Reddi, Sachan, Kale and Kumar, "Adaptive Methods for Nonconvex Optimization",
/// NeurIPS 2018): Adam whose second moment moves additively, by at most (1 - beta2) g^2 per step and
/// towards g^2, so it cannot blow up after one large gradient nor forget too fast. For each parameter p
/// with gradient g, at its t-th update:
///
///     g  = g + weight_decay * p                                  (L2 penalty, as Adam)
///     m  = beta1 * m + (1 - beta1) * g                           (exp_avg, starts at 0)
///     s  = s - (1 - beta2) * sign(s - g^2) * g^2                 (exp_avg_sq, starts at initial_accumulator)
///     p  = p - lr * m_hat / (sqrt(s_hat) + eps),  m_hat = m / (1 - beta1^t), s_hat = s / (1 - beta2^t)
///
/// The second-moment rule is the paper's Algorithm 2; the bias correction follows Dive into Deep
/// Learning, section 12.10 ("Adam", subsection "Yogi"), the seed's source, which corrects m and s as
/// Adam does. The first moment starts at 0 as in the paper and D2L; the second at `initialAccumulator`
/// (default 1e-6, the value of the reference implementations in TensorFlow Addons and torch-optimizer).
/// Defaults: lr 1e-2, betas (0.9, 0.999), eps 1e-3.
public final class Yogi: Optimizer {
    public let beta1: Float
    public let beta2: Float
    public let eps: Float
    public let initialAccumulator: Float
    public let weightDecay: Float

    /// Throws ``SwishError/invalidArgument(_:)`` for a negative learning rate, betas outside [0, 1),
    /// eps <= 0, a negative initial accumulator or a negative weight decay.
    public init(
        _ parameters: [Tensor], learningRate: Float = 1e-2, betas: (Float, Float) = (0.9, 0.999),
        eps: Float = 1e-3, initialAccumulator: Float = 1e-6, weightDecay: Float = 0
    ) throws {
        try checkAdaptive(beta1: betas.0, beta2: betas.1, eps: eps, weightDecay: weightDecay)
        guard initialAccumulator >= 0, initialAccumulator.isFinite else {
            throw SwishError.invalidArgument("Invalid initial_accumulator value: \(initialAccumulator)")
        }
        beta1 = betas.0
        beta2 = betas.1
        self.eps = eps
        self.initialAccumulator = initialAccumulator
        self.weightDecay = weightDecay
        try super.init(parameters: parameters, learningRate: learningRate)
    }

    /// Yogi over the parameters of `module` and its descendants, each once; the optimizer holds the
    /// tensors, not the module. Throws as ``Adam``'s module initializer.
    public convenience init(
        _ module: Module, learningRate: Float = 1e-2, betas: (Float, Float) = (0.9, 0.999), eps: Float = 1e-3,
        initialAccumulator: Float = 1e-6, weightDecay: Float = 0
    ) throws {
        try self.init(
            try Optimizer.parameters(of: module), learningRate: learningRate, betas: betas, eps: eps,
            initialAccumulator: initialAccumulator, weightDecay: weightDecay)
    }

    override package var bufferNames: [String] { ["exp_avg", "exp_avg_sq"] }

    override package func initialValue(ofBuffer name: String) -> Float {
        name == "exp_avg_sq" ? initialAccumulator : 0
    }

    override package func applySingle(
        parameter pp: UnsafeMutablePointer<Float>, gradient gp: UnsafePointer<Float>, range: Range<Int>,
        step: Int, buffers: [Tensor]
    ) {
        let c = BiasCorrection(lr: learningRate, beta1: beta1, beta2: beta2, step: step)
        let mp = buffers[0].pointer, sp = buffers[1].pointer  // exp_avg, exp_avg_sq
        let w1 = Float(1 - Double(beta1)), w2 = Float(1 - Double(beta2)), eps = eps, l2 = weightDecay
        let stepSize = c.stepSize, sc2 = c.sqrtCorrection2
        if l2 == 0 && w1 < 0.5 {
            // Without weight decay, vectorized.
            let k = YogiKernel(w1: w1, w2: w2, stepSize: stepSize, sqrtCorrection2: sc2, eps: eps)
            k.update(pp, gp, mp, sp, range.lowerBound, range.upperBound)
            return
        }
        for i in range {
            let gi = l2 != 0 ? gp[i] + l2 * pp[i] : gp[i]
            let m = lerp(mp[i], gi, w1)
            let g2 = gi * gi
            let s0 = sp[i]
            // The only line that differs from Adam: an additive step towards g^2, not a moving average.
            let s = s0 - w2 * (s0 > g2 ? g2 : (s0 < g2 ? -g2 : 0))
            mp[i] = m
            sp[i] = s
            pp[i] = pp[i] + -stepSize * m / (s.squareRoot() / sc2 + eps)
        }
    }

    override package var hyperparameters: [String: Double] {
        [
            "lr": Double(learningRate), "beta1": Double(beta1), "beta2": Double(beta2), "eps": Double(eps),
            "initial_accumulator": Double(initialAccumulator), "weight_decay": Double(weightDecay),
        ]
    }
}

/// Adam's common-case update (no weight decay, no amsgrad, beta1 above 0.5) on elements `lo..<hi`:
///
///     m = m + w1 (g - m);  v = v b2 + w2 g g;  p = p + (-stepSize m) / (sqrt(v) / sqrtCorrection2 + eps)
///
/// With AVX2 (``_Kernels/hasAVX2``) through `swish_adam_avx2`, otherwise eight lanes at a time in Swift;
/// a scalar loop takes the tail. The three give the same bits (tested).
package struct AdamKernel {
    let w1, w2, b2, stepSize, sqrtCorrection2, eps: Float

    package init(w1: Float, w2: Float, b2: Float, stepSize: Float, sqrtCorrection2: Float, eps: Float) {
        (self.w1, self.w2, self.b2, self.stepSize, self.sqrtCorrection2, self.eps) =
            (w1, w2, b2, stepSize, sqrtCorrection2, eps)
    }

    @inline(__always)
    package func update(
        _ pp: UnsafeMutablePointer<Float>, _ gp: UnsafePointer<Float>, _ mp: UnsafeMutablePointer<Float>,
        _ vp: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int, avx2: Bool = _Kernels.hasAVX2
    ) {
        let (w1, w2, b2, stepSize, sc2, eps) = (w1, w2, b2, stepSize, sqrtCorrection2, eps)
        var i = lo
        if avx2 {
            i = lo + (hi - lo) / 8 * 8
            swish_adam_avx2(pp, gp, mp, vp, lo, i, w1, w2, b2, stepSize, sc2, eps)
        }
        while i + 8 <= hi {
            let gi = SIMD8<Float>.load(gp + i), m0 = SIMD8<Float>.load(mp + i)
            let m = m0 + w1 * (gi - m0)
            let v = SIMD8<Float>.load(vp + i) * b2 + w2 * gi * gi
            m.store(to: mp + i)
            v.store(to: vp + i)
            (SIMD8<Float>.load(pp + i) + -stepSize * m / (v.sqrt / sc2 + eps)).store(to: pp + i)
            i += 8
        }
        while i < hi {
            let gi = gp[i], m0 = mp[i]
            let m = m0 + w1 * (gi - m0)
            let v = vp[i] * b2 + w2 * gi * gi
            mp[i] = m
            vp[i] = v
            pp[i] = pp[i] + -stepSize * m / (v.squareRoot() / sc2 + eps)
            i += 1
        }
    }
}

/// Yogi's update without weight decay (beta1 above 0.5) on elements `lo..<hi`:
///
///     m = m + w1 (g - m);  s = s - w2 sign(s - g g) g g;  p = p + (-stepSize m) / (sqrt(s) / sqrtCorrection2 + eps)
///
/// Dispatched as ``AdamKernel``; the three paths give the same bits (tested).
package struct YogiKernel {
    let w1, w2, stepSize, sqrtCorrection2, eps: Float

    package init(w1: Float, w2: Float, stepSize: Float, sqrtCorrection2: Float, eps: Float) {
        (self.w1, self.w2, self.stepSize, self.sqrtCorrection2, self.eps) = (w1, w2, stepSize, sqrtCorrection2, eps)
    }

    @inline(__always)
    package func update(
        _ pp: UnsafeMutablePointer<Float>, _ gp: UnsafePointer<Float>, _ mp: UnsafeMutablePointer<Float>,
        _ sp: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int, avx2: Bool = _Kernels.hasAVX2
    ) {
        let (w1, w2, stepSize, sc2, eps) = (w1, w2, stepSize, sqrtCorrection2, eps)
        var i = lo
        if avx2 {
            i = lo + (hi - lo) / 8 * 8
            swish_yogi_avx2(pp, gp, mp, sp, lo, i, w1, w2, stepSize, sc2, eps)
        }
        while i + 8 <= hi {
            let gi = SIMD8<Float>.load(gp + i), m0 = SIMD8<Float>.load(mp + i)
            let m = m0 + w1 * (gi - m0)
            let g2 = gi * gi
            let s0 = SIMD8<Float>.load(sp + i)
            // sign(s0 - g2) * g2 as two selects.
            let signed = SIMD8<Float>(repeating: 0).replacing(with: g2, where: s0 .> g2)
                .replacing(with: -g2, where: s0 .< g2)
            let s = s0 - w2 * signed
            m.store(to: mp + i)
            s.store(to: sp + i)
            (SIMD8<Float>.load(pp + i) + -stepSize * m / (s.sqrt / sc2 + eps)).store(to: pp + i)
            i += 8
        }
        while i < hi {
            let gi = gp[i], m0 = mp[i]
            let m = m0 + w1 * (gi - m0)
            let g2 = gi * gi
            let s0 = sp[i]
            let s = s0 - w2 * (s0 > g2 ? g2 : (s0 < g2 ? -g2 : 0))
            mp[i] = m
            sp[i] = s
            pp[i] = pp[i] + -stepSize * m / (s.squareRoot() / sc2 + eps)
            i += 1
        }
    }
}
