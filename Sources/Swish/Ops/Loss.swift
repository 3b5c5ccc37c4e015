#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Loss functions with PyTorch's definitions (torch.nn.functional), forward and backward side by side.
// Each loss is one fused op: the forward computes every element's loss and the reduction in one pass,
// the backward writes the input's gradient directly. Log-probabilities come from a log-sum-exp with the
// row maximum subtracted and BCE-with-logits uses softplus(-|x|), so no loss overflows for large logits.

/// How a loss combines its per-element values (PyTorch's `reduction=`).
public enum Reduction: Int32, Sendable {
    /// The mean over the elements (for cross-entropy with class weights: the weighted mean).
    case mean = 0
    /// The sum over the elements.
    case sum = 1
    /// No reduction: one loss per element (per sample for cross-entropy).
    case none = 2
}

// MARK: Class-index targets

extension Tensor {
    /// The largest integer magnitude that float32 storage holds exactly (2^24).
    package static let exactIntegerLimit: Int64 = 1 << 24

    /// An int64-tagged tensor of integers (class indices, labels). Storage is float32, so every value
    /// must lie within +-2^24, where float32 represents integers exactly.
    package static func _fromInt64(_ values: UnsafeBufferPointer<Int64>, shape: Shape) throws -> Tensor {
        guard values.count == shape.numel else {
            throw SwishError.shape("shape \(shape) needs \(shape.numel) values, got \(values.count)")
        }
        for (i, v) in values.enumerated() where v > exactIntegerLimit || v < -exactIntegerLimit {
            throw SwishError.invalidArgument(
                "value \(v) at position \(i) is outside +-\(exactIntegerLimit), the integers a Swish int64 tensor holds exactly")
        }
        let t = try Tensor(uninitialized: shape, dtype: .int64)
        for i in 0..<values.count { t.pointer[i] = Float(values[i]) }
        return t
    }

    /// An int64 tensor of class indices or labels, e.g. the targets of ``crossEntropy(_:_:weight:ignoreIndex:reduction:labelSmoothing:)``.
    ///
    /// ```swift
    /// let y = Tensor(indices: [2, 0, 1])   // shape [3], dtype int64
    /// ```
    public convenience init(indices: [Int], shape: Shape? = nil) {
        // Checked as the C API's int64 tensors are, then stored as floats.
        let t = _trap {
            try indices.map { Int64($0) }.withUnsafeBufferPointer {
                try Tensor._fromInt64($0, shape: shape ?? [indices.count])
            }
        }
        self.init(copying: t.scalars, shape: t.shape, dtype: .int64)
    }
}

// MARK: Pointwise regression losses

extension Tensor {
    /// The loss's output for `reduction`, from per-element values already written to `values`.
    private static func reduce(_ values: Tensor, _ reduction: Reduction, count: Int) throws -> Tensor {
        switch reduction {
        case .none: return values
        case .sum: return try _full(.scalar, _Kernels.sum(values.pointer, values.numel))
        case .mean: return try _full(.scalar, _Kernels.sum(values.pointer, values.numel) / Float(count))
        }
    }

    /// The factor each element's local derivative is multiplied by: g for sum, g / n for mean, g[i] for none.
    @inline(__always)
    private static func upstream(_ g: Tensor, _ reduction: Reduction, count: Int) -> (scalar: Float, perElement: Bool) {
        switch reduction {
        case .none: return (0, true)
        case .sum: return (g.pointer.pointee, false)
        case .mean: return (g.pointer.pointee / Float(count), false)
        }
    }

    private static func checkSameShape(_ input: Tensor, _ target: Tensor, _ name: String) throws {
        guard input.dtype == .float32, target.dtype == .float32 else {
            throw SwishError.invalidArgument("\(name): input and target must be float32 tensors")
        }
        guard input.shape == target.shape else {
            throw SwishError.shape(
                "\(name): target size \(target.shape) must be the same as input size \(input.shape)")
        }
    }

    /// A loss `f(input - target)` summed or averaged, whose gradient is `f'(d)` for the input and
    /// `-f'(d)` for the target. `names` are PyTorch's backward names for mean, sum and none.
    @inline(__always)
    private static func differenceLoss(
        _ name: String, _ input: Tensor, _ target: Tensor, _ reduction: Reduction,
        names: (mean: StaticString, sum: StaticString, none: StaticString),
        value: @escaping (Float) -> Float, derivative: @escaping (Float) -> Float
    ) throws -> Tensor {
        try checkSameShape(input, target, name)
        let n = input.numel
        let values = try _binary(input, target) { x, y in value(x - y) }
        let out = try reduce(values, reduction, count: n)
        if recording(input, target) {
            let needInput = input._requiresGrad, needTarget = target._requiresGrad
            let nodeName = reduction == .mean ? names.mean : (reduction == .sum ? names.sum : names.none)
            out.record(nodeName, input, target, savesTensors: true) { _, g in
                let gi = try Tensor(uninitialized: input.shape)
                let (s, perElement) = upstream(g, reduction, count: n)
                let xp = input.pointer, yp = target.pointer, gp = g.pointer, op = gi.pointer
                if perElement {
                    for i in 0..<n { op[i] = gp[i] * derivative(xp[i] - yp[i]) }
                } else {
                    for i in 0..<n { op[i] = s * derivative(xp[i] - yp[i]) }
                }
                return Grads(needInput ? gi : nil, needTarget ? try _unary(gi, -) : nil)
            }
        }
        return out
    }

    /// Mean squared error: (input - target)^2, reduced.
    package static func _mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try differenceLoss(
            "mse_loss", input, target, reduction,
            names: ("MseLossBackward0", "MseLossBackward0", "MseLossBackward0"),
            value: { $0 * $0 }, derivative: { 2 * $0 })
    }

    /// Mean absolute error: |input - target|, reduced. The gradient at a zero difference is 0 (sign(0)).
    package static func _l1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try differenceLoss(
            "l1_loss", input, target, reduction, names: ("MeanBackward0", "SumBackward0", "AbsBackward0"),
            value: { Swift.abs($0) }, derivative: { d in d > 0 ? 1 : (d < 0 ? -1 : 0) })
    }

    /// Huber loss: 0.5 d^2 where |d| < delta, delta (|d| - 0.5 delta) elsewhere, with d = input - target.
    package static func _huberLoss(
        _ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, delta: Float = 1
    ) throws -> Tensor {
        guard delta > 0, delta.isFinite else {
            throw SwishError.invalidArgument("huber_loss does not support non-positive values for delta (got \(delta))")
        }
        return try differenceLoss(
            "huber_loss", input, target, reduction,
            names: ("HuberLossBackward0", "HuberLossBackward0", "HuberLossBackward0"),
            value: { d in
                let z = Swift.abs(d)
                return z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
            },
            derivative: { d in d <= -delta ? -delta : (d >= delta ? delta : d) })
    }
}

// MARK: Binary cross-entropy with logits

extension Tensor {
    /// log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).
    @inline(__always)
    private static func softplus(_ x: Float) -> Float { Swift.max(x, 0) + log1pf(expf(-Swift.abs(x))) }

    /// Binary cross-entropy on logits: (1 - y) x + (1 + (pw - 1) y) softplus(-x), which equals
    /// -[pw y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))] and stays finite for any finite x.
    /// `posWeight` (the weight of positive examples) broadcasts against the input, e.g. one per class; it
    /// gets no gradient, so it must not require grad (as in PyTorch).
    package static func _binaryCrossEntropyWithLogits(
        _ input: Tensor, _ target: Tensor, posWeight: Tensor? = nil, reduction: Reduction = .mean
    ) throws -> Tensor {
        try checkSameShape(input, target, "binary_cross_entropy_with_logits")
        let n = input.numel
        // pos_weight expanded to the input's shape (ones when absent).
        let pw: Tensor
        if let posWeight {
            guard posWeight.dtype == .float32 else {
                throw SwishError.invalidArgument("binary_cross_entropy_with_logits: pos_weight must be a float32 tensor")
            }
            guard !(posWeight._requiresGrad && GradMode.isEnabled) else {
                // As PyTorch: the loss has no derivative with respect to pos_weight.
                throw SwishError.invalidArgument(
                    "binary_cross_entropy_with_logits is not differentiable with respect to argument 'pos_weight'; it cannot require grad")
            }
            let b = try Shape.broadcast(input.shape, posWeight.shape)
            guard b == input.shape else {
                throw SwishError.shape(
                    "binary_cross_entropy_with_logits: pos_weight of shape \(posWeight.shape) does not broadcast to the input's shape \(input.shape)"
                )
            }
            pw = try posWeight._expand(to: input.shape)
        } else {
            pw = try _full(input.shape, 1)
        }
        let values = try Tensor(uninitialized: input.shape)
        do {
            let xp = input.pointer, yp = target.pointer, wp = pw.pointer, op = values.pointer
            for i in 0..<n {
                let x = xp[i], y = yp[i]
                op[i] = (1 - y) * x + (1 + (wp[i] - 1) * y) * softplus(-x)
            }
        }
        let out = try reduce(values, reduction, count: n)
        if recording(input, target) {
            let needX = input._requiresGrad, needY = target._requiresGrad
            out.record("BinaryCrossEntropyWithLogitsBackward0", input, target, savesTensors: true) { _, g in
                let (s, perElement) = upstream(g, reduction, count: n)
                let xp = input.pointer, yp = target.pointer, wp = pw.pointer, gp = g.pointer
                let gx = needX ? try Tensor(uninitialized: input.shape) : nil
                let gy = needY ? try Tensor(uninitialized: input.shape) : nil
                for i in 0..<n {
                    let x = xp[i], y = yp[i], w = wp[i]
                    let up = perElement ? gp[i] : s
                    // d/dx: (1 - y) - (1 + (w - 1) y) sigmoid(-x);  d/dy: (w - 1) softplus(-x) - x
                    gx?.pointer[i] = up * ((1 - y) - (1 + (w - 1) * y) * Swish._sigmoid(-x))
                    gy?.pointer[i] = up * ((w - 1) * softplus(-x) - x)
                }
                return Grads(gx, gy)
            }
        }
        return out
    }
}

// MARK: Cross-entropy

extension Tensor {
    /// The geometry of a cross-entropy input: `outer` samples, `classes` classes, `inner` positions per
    /// sample (the d1... dims), with class c of (o, i) at `(o * classes + c) * inner + i`.
    private struct ClassLayout {
        let outer: Int, classes: Int, inner: Int
        /// The shape of one loss per position (the index target's shape; the 'none' output's shape).
        let positionsShape: Shape

        init(_ input: Tensor) throws {
            guard input.dtype == .float32 else {
                throw SwishError.invalidArgument("cross_entropy: input must be a float32 tensor of logits")
            }
            guard input.ndim >= 1 else {
                throw SwishError.invalidArgument("cross_entropy: input must have a class dimension (got a 0-d tensor)")
            }
            let classDim = input.ndim == 1 ? 0 : 1
            classes = input.shape[classDim]
            guard classes > 0 else {
                throw SwishError.invalidArgument("cross_entropy: input has no classes (size 0 along dim \(classDim))")
            }
            outer = input.ndim == 1 ? 1 : input.shape[0]
            inner = input.ndim <= 2 ? 1 : input.shape.product(2..<input.ndim)
            positionsShape = input.shape.removing(classDim)
        }

        var positions: Int { outer * inner }

        @inline(__always) func base(_ p: Int) -> Int { (p / inner) * classes * inner + p % inner }
    }

    /// Cross-entropy between logits and class indices or class probabilities, as
    /// `torch.nn.functional.cross_entropy`.
    ///
    /// - `input`: logits of shape [C], [N, C] or [N, C, d1, ...]; classes along dim 1 (dim 0 for [C]).
    /// - `target`: an int64 tensor of class indices with the input's shape minus the class dim, or a
    ///   float32 tensor of class probabilities with the input's shape.
    /// - `weight`: optional per-class weights of shape [C].
    /// - `ignoreIndex`: index targets equal to it contribute nothing (and count nothing in the mean).
    /// - `labelSmoothing` ε in [0, 1]: the target becomes (1 - ε) one-hot + ε / C, i.e. the loss is
    ///   (1 - ε) nll + (ε / C) Σ_c -w_c log p_c, with the mean divided by Σ w[y] as PyTorch does.
    package static func _crossEntropy(
        _ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
        reduction: Reduction = .mean, labelSmoothing: Float = 0
    ) throws -> Tensor {
        let layout = try ClassLayout(input)
        guard labelSmoothing >= 0 && labelSmoothing <= 1 else {
            throw SwishError.invalidArgument("label_smoothing must be between 0.0 and 1.0. Got: \(labelSmoothing)")
        }
        if let weight {
            guard weight.dtype == .float32, weight.shape == [layout.classes] else {
                throw SwishError.shape(
                    "cross_entropy: weight tensor should be defined either for all \(layout.classes) classes or no classes but got weight tensor of shape: \(weight.shape)"
                )
            }
        }
        if target.dtype == .float32 && target.shape == input.shape {
            return try crossEntropyProbabilities(input, target, layout, weight, reduction, labelSmoothing)
        }
        guard target.dtype == .int64 else {
            throw SwishError.invalidArgument(
                "cross_entropy: class-index targets must be an int64 tensor (Tensor(indices:), swish_tensor_from_int64); a float32 target must have the input's shape \(input.shape) (class probabilities), got \(target.shape)"
            )
        }
        guard target.shape == layout.positionsShape else {
            throw SwishError.shape(
                "cross_entropy: expected target of shape \(layout.positionsShape) for input of shape \(input.shape), got \(target.shape)"
            )
        }
        return try crossEntropyIndices(input, target, layout, weight, ignoreIndex, reduction, labelSmoothing)
    }

    /// log Σ_c exp(x_c) for every position, with the maximum subtracted first.
    private static func logSumExp(_ x: UnsafeMutablePointer<Float>, _ l: ClassLayout) throws -> [Float] {
        var lse = [Float](repeating: 0, count: l.positions)
        for p in 0..<l.positions {
            let b = l.base(p)
            var m = -Float.infinity
            for c in 0..<l.classes { m = Swift.max(m, x[b + c * l.inner]) }
            if !m.isFinite { m = 0 }  // all -inf (or an inf/NaN): let the arithmetic give PyTorch's inf/NaN
            var s: Float = 0
            for c in 0..<l.classes { s += expf(x[b + c * l.inner] - m) }
            lse[p] = m + logf(s)
        }
        return lse
    }

    private static func crossEntropyIndices(
        _ input: Tensor, _ target: Tensor, _ l: ClassLayout, _ weight: Tensor?, _ ignoreIndex: Int,
        _ reduction: Reduction, _ eps: Float
    ) throws -> Tensor {
        // Validate every target before computing anything.
        var classOf = [Int](repeating: -1, count: l.positions)  // -1: ignored
        let tp = target.pointer
        for p in 0..<l.positions {
            let v = tp[p]
            guard v.rounded() == v, let k = Int(exactly: v) else {
                throw SwishError.invalidArgument("cross_entropy: target \(v) at position \(p) is not an integer class index")
            }
            if k == ignoreIndex { continue }
            guard k >= 0 && k < l.classes else {
                throw SwishError.invalidArgument(
                    "cross_entropy: Target \(k) is out of bounds (position \(p); classes are 0..<\(l.classes), ignore_index is \(ignoreIndex))"
                )
            }
            classOf[p] = k
        }
        let xp = input.pointer
        let lse = try logSumExp(xp, l)
        let w = try classWeights(weight, l.classes)
        let classWeightSum = w.reduce(Float(0)) { $0 + $1 }
        let smoothing = eps / Float(l.classes)
        let values = try Tensor(zeroed: l.positionsShape)
        var weightTotal: Float = 0  // Σ w[y] over positions that count (the mean's denominator)
        for p in 0..<l.positions {
            let k = classOf[p]
            guard k >= 0 else { continue }
            let b = l.base(p)
            var loss = -w[k] * (xp[b + k * l.inner] - lse[p])
            if eps > 0 {
                var smooth: Float = 0
                for c in 0..<l.classes { smooth -= w[c] * (xp[b + c * l.inner] - lse[p]) }
                loss = (1 - eps) * loss + smoothing * smooth
            }
            values.pointer[p] = loss
            weightTotal += w[k]
        }
        let out: Tensor
        switch reduction {
        case .none: out = values
        case .sum: out = try _full(.scalar, _Kernels.sum(values.pointer, values.numel))
        case .mean: out = try _full(.scalar, _Kernels.sum(values.pointer, values.numel) / weightTotal)
        }
        if recording(input) {
            out.record(eps > 0 ? "AddBackward0" : "NllLossBackward0", input, savesTensors: true) { _, g in
                let gx = try Tensor(zeroed: input.shape)
                let op = gx.pointer, gp = g.pointer
                for p in 0..<l.positions {
                    let k = classOf[p]
                    guard k >= 0 else { continue }
                    let up: Float
                    switch reduction {
                    case .none: up = gp[p]
                    case .sum: up = gp.pointee
                    case .mean: up = gp.pointee / weightTotal
                    }
                    let b = l.base(p)
                    // d/dx_c of (1 - ε) w_k (lse - x_k) + (ε / C) Σ_c w_c (lse - x_c):
                    // (1 - ε) w_k (p_c - [c = k]) + (ε / C) (W p_c - w_c).
                    let hard = (1 - eps) * w[k]
                    for c in 0..<l.classes {
                        let i = b + c * l.inner
                        let prob = expf(xp[i] - lse[p])
                        var d = hard * (prob - (c == k ? 1 : 0))
                        if eps > 0 { d += smoothing * (classWeightSum * prob - w[c]) }
                        op[i] = up * d
                    }
                }
                return Grads(gx)
            }
        }
        return out
    }

    /// The class weights as an array: `weight`'s values, or ones. The class count comes from the input's
    /// shape and can be huge for an empty input ([0, 2^40]), so the array is checked against the
    /// allocator's limit like any tensor (an unchecked Swift array of that size would trap).
    private static func classWeights(_ weight: Tensor?, _ classes: Int) throws -> [Float] {
        if let weight { return weight.scalars }
        _ = try MemoryLimit.bytes(forFloats: classes)
        return [Float](repeating: 1, count: classes)
    }

    private static func crossEntropyProbabilities(
        _ input: Tensor, _ target: Tensor, _ l: ClassLayout, _ weight: Tensor?, _ reduction: Reduction,
        _ eps: Float
    ) throws -> Tensor {
        let xp = input.pointer, tp = target.pointer
        let lse = try logSumExp(xp, l)
        let w = try classWeights(weight, l.classes)
        let smoothing = eps / Float(l.classes)
        @inline(__always) func smoothed(_ t: Float) -> Float { eps > 0 ? t * (1 - eps) + smoothing : t }
        let values = try Tensor(uninitialized: l.positionsShape)
        for p in 0..<l.positions {
            let b = l.base(p)
            var loss: Float = 0
            for c in 0..<l.classes {
                let i = b + c * l.inner
                loss -= w[c] * smoothed(tp[i]) * (xp[i] - lse[p])
            }
            values.pointer[p] = loss
        }
        let out = try reduce(values, reduction, count: l.positions)
        if recording(input, target) {
            let needX = input._requiresGrad, needT = target._requiresGrad
            let name: StaticString = reduction == .mean ? "DivBackward1" : "NegBackward0"
            out.record(name, input, target, savesTensors: true) { _, g in
                let gx = needX ? try Tensor(uninitialized: input.shape) : nil
                let gt = needT ? try Tensor(uninitialized: input.shape) : nil
                let gp = g.pointer
                for p in 0..<l.positions {
                    let up: Float
                    switch reduction {
                    case .none: up = gp[p]
                    case .sum: up = gp.pointee
                    case .mean: up = gp.pointee / Float(l.positions)
                    }
                    let b = l.base(p)
                    // loss = -Σ_c w_c t'_c (x_c - lse): d/dx_k = p_k Σ_c w_c t'_c - w_k t'_k,
                    // d/dt_k = -(1 - ε) w_k (x_k - lse).
                    var wt: Float = 0
                    for c in 0..<l.classes { wt += w[c] * smoothed(tp[b + c * l.inner]) }
                    for c in 0..<l.classes {
                        let i = b + c * l.inner
                        let logp = xp[i] - lse[p]
                        gx?.pointer[i] = up * (expf(logp) * wt - w[c] * smoothed(tp[i]))
                        gt?.pointer[i] = up * (-(1 - eps) * w[c] * logp)
                    }
                }
                return Grads(gx, gt)
            }
        }
        return out
    }
}

// MARK: Swift surface

/// Mean squared error between `input` and `target` (same shape), as `F.mse_loss`.
public func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    _trap { try Tensor._mseLoss(input, target, reduction: reduction) }
}

/// Mean absolute error between `input` and `target` (same shape), as `F.l1_loss`.
public func l1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    _trap { try Tensor._l1Loss(input, target, reduction: reduction) }
}

/// Huber loss with threshold `delta` (> 0), as `F.huber_loss`: quadratic below `delta`, linear above.
public func huberLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, delta: Float = 1) -> Tensor {
    _trap { try Tensor._huberLoss(input, target, reduction: reduction, delta: delta) }
}

/// Binary cross-entropy on logits (sigmoid folded in, stable for any logit), as
/// `F.binary_cross_entropy_with_logits`; `posWeight` weighs positive examples and broadcasts to the input.
public func binaryCrossEntropyWithLogits(
    _ input: Tensor, _ target: Tensor, posWeight: Tensor? = nil, reduction: Reduction = .mean
) -> Tensor {
    _trap { try Tensor._binaryCrossEntropyWithLogits(input, target, posWeight: posWeight, reduction: reduction) }
}

/// Cross-entropy between logits and targets, as `F.cross_entropy`.
///
/// ```swift
/// let logits = Tensor.randn([4, 3]).requiresGrad_()
/// let loss = crossEntropy(logits, Tensor(indices: [0, 2, 1, 2]), labelSmoothing: 0.1)
/// loss.backward()
/// ```
///
/// - `input`: logits of shape [C], [N, C] or [N, C, d1, ...]; classes along dim 1 (dim 0 for [C]).
/// - `target`: class indices (an int64 tensor with the input's shape minus the class dim) or class
///   probabilities (a float32 tensor with the input's shape).
/// - `weight`: optional per-class weights of shape [C].
/// - `ignoreIndex`: index targets equal to it contribute nothing (and count nothing in the mean).
/// - `labelSmoothing` ε in [0, 1]: the target becomes (1 - ε) one-hot + ε / C, i.e. the loss is
///   (1 - ε) nll + (ε / C) Σ_c -w_c log p_c, with the mean divided by Σ w[y] as PyTorch does.
public func crossEntropy(
    _ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
    reduction: Reduction = .mean, labelSmoothing: Float = 0
) -> Tensor {
    _trap {
        try Tensor._crossEntropy(
            input, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction,
            labelSmoothing: labelSmoothing)
    }
}
