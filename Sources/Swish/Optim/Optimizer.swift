/// What an optimizer keeps for one parameter between steps: how many updates the parameter has had and
/// its named buffers, each with the parameter's shape. The names are PyTorch's state names
/// (`momentum_buffer`, `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`), so a saved state reads the same.
public struct ParameterState {
    /// Updates applied to this parameter so far (PyTorch's `state['step']`; drives bias correction).
    public internal(set) var step: Int
    /// The optimizer's buffers for this parameter, by name.
    public internal(set) var buffers: [String: Tensor]

    package init(step: Int = 0, buffers: [String: Tensor] = [:]) {
        self.step = step
        self.buffers = buffers
    }
}

/// The common part of every optimizer: a list of distinct parameters, a learning rate, per-parameter
/// state, ``step()`` and ``zeroGrad()``. Subclasses differ only in their update rule (the package-level
/// `applySingle(parameter:gradient:range:step:buffers:)`), as mlx-swift's `OptimizerBase.applySingle`.
///
/// ```swift
/// let opt = try Adam([w, b], learningRate: 1e-3)
/// for _ in 0..<100 {
///     opt.zeroGrad()
///     let loss = mseLoss(x.matmul(w) + b, y)
///     loss.backward()
///     opt.step()
/// }
/// ```
///
/// - Parameters are deduplicated by identity when the optimizer is made, so a parameter tied in two
///   places (or listed twice) is updated once per step.
/// - A parameter without a gradient is skipped by ``step()`` and its state does not advance, as in PyTorch.
/// - ``step()`` either updates every parameter that has a gradient or, on failure, changes nothing.
public class Optimizer {
    /// The parameters, without duplicates, in the order first given.
    public let parameters: [Tensor]
    @exclusivity(unchecked) private var _learningRate: Float
    /// Per-parameter state, by position in ``parameters``; nil until the parameter's first update.
    /// Kept as step counts and buffers in ``bufferNames`` order, not as ``ParameterState``'s dictionary:
    /// a step then looks nothing up by name (string hashing was a fifth of a batch-2 Adam step's
    /// bookkeeping, scripts/profile.sh).
    @exclusivity(unchecked) package var slots: [Slot?]
    package struct Slot {
        var step: Int
        /// One tensor per name in ``Optimizer/bufferNames``, in that order.
        let buffers: [Tensor]
    }
    /// ``bufferNames``, evaluated once (the subclasses' lists depend only on their settings).
    @exclusivity(unchecked) private var names: [String] = []

    package init(parameters: [Tensor], learningRate: Float) throws {
        try Optimizer.checkLearningRate(learningRate)
        var seen = Set<ObjectIdentifier>()
        var unique: [Tensor] = []
        for (i, p) in parameters.enumerated() {
            guard p.dtype == .float32 else {
                throw SwishError.invalidArgument("parameter \(i) is a \(p.dtype) tensor; optimizers update float32 tensors")
            }
            guard p.isLeaf else {
                throw SwishError.invalidArgument(
                    "can't optimize a non-leaf Tensor (parameter \(i) was computed by \(p.gradFnName ?? "an op"); pass a leaf or detach() it)"
                )
            }
            if seen.insert(ObjectIdentifier(p)).inserted { unique.append(p) }
        }
        guard !unique.isEmpty else { throw SwishError.invalidArgument("optimizer got an empty parameter list") }
        self.parameters = unique
        self._learningRate = learningRate
        self.slots = Array(repeating: nil, count: unique.count)
        names = bufferNames
    }

    /// The parameters of `module` and its descendants, each tensor once in `namedParameters()` order, for
    /// the optimizers' module initializers (`try Adam(net)` is PyTorch's `optim.Adam(net.parameters())`).
    /// The optimizer then holds the tensors themselves, not the module. A state error while a lazy module
    /// has not created its parameters, an invalid argument when there are none.
    package static func parameters(of module: Module) throws -> [Tensor] {
        let params = try module._namedParameters().map(\.parameter)
        guard !params.isEmpty else {
            throw SwishError.invalidArgument(
                "optimizer got an empty parameter list (the \(module.typeName) has no parameters)")
        }
        return params
    }

    // MARK: Hyperparameters

    package static func checkLearningRate(_ lr: Float) throws {
        guard lr >= 0, lr.isFinite else { throw SwishError.invalidArgument("Invalid learning rate: \(lr)") }
    }

    /// The learning rate of the next ``step()``; set it to follow a schedule (``StepLR``,
    /// ``CosineAnnealingLR``). Setting a negative or non-finite value traps (C's `swish_optimizer_set_lr`
    /// reports it instead).
    public var learningRate: Float {
        get { _learningRate }
        set { _trap { try _setLearningRate(newValue) } }
    }

    package func _setLearningRate(_ lr: Float) throws {
        try Optimizer.checkLearningRate(lr)
        _learningRate = lr
    }

    // MARK: The update rule (what subclasses define)

    /// The names of the buffers this optimizer keeps per parameter (for saving and loading state).
    package var bufferNames: [String] { [] }

    /// The value every element of buffer `name` starts from (0 unless a subclass says otherwise).
    package func initialValue(ofBuffer name: String) -> Float { 0 }

    /// Updates elements `range` of one parameter in place from its gradient. `step` is the number of this
    /// update (1 on the first); `buffers` hold the parameter's state, one tensor per name in ``bufferNames``
    /// in that order, each the parameter's size. Every update rule is elementwise, and ``step()`` may cut a
    /// large parameter into several ranges updated on different threads at once, so this must read and
    /// write only elements in `range` and must give each element the same bits however the parameter is
    /// cut. Must not fail: ``step()`` has checked everything before the first update.
    package func applySingle(
        parameter: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, range: Range<Int>, step: Int,
        buffers: [Tensor]
    ) {}

    // MARK: Steps

    /// Updates every parameter that has a gradient and returns how many were updated. Fails, changing
    /// nothing, when a gradient's size is wrong or a new parameter's buffers cannot be allocated.
    package func _step() throws -> Int {
        // First everything that can fail: checks and the buffers of parameters updated for the first time.
        var fresh: [(Int, Slot)] = []
        for (i, p) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            guard g.numel == p.numel else {
                throw SwishError.internal("the gradient of a parameter of shape \(p.shape) has shape \(g.shape)")
            }
            if slots[i] == nil {
                fresh.append((i, Slot(step: 0, buffers: try names.map { try Tensor._full(p.shape, initialValue(ofBuffer: $0)) })))
            }
        }
        for (i, slot) in fresh { slots[i] = slot }
        // Then the updates, which cannot fail. A small step runs here, parameter after parameter; a large
        // one is cut into pieces that this thread and helper threads share (one wake-up per step, however
        // many parameters), as OpenBLAS's threads are idle between products.
        var elements = 0
        for p in parameters where p.grad != nil { elements += p.numel }
        guard elements >= Parallelism.minimumSharedElements, Parallelism.threads > 1 else {
            var updated = 0
            for (i, p) in parameters.enumerated() {
                guard let g = p.grad else { continue }
                slots[i]!.step += 1
                let slot = slots[i]!
                withExtendedLifetime((p, g)) {
                    applySingle(
                        parameter: p.pointer, gradient: g.pointer, range: 0..<p.numel, step: slot.step,
                        buffers: slot.buffers)
                }
                updated += 1
            }
            return updated
        }
        var updates: [(parameter: Tensor, gradient: Tensor, step: Int, buffers: [Tensor])] = []
        var pieces: [(update: Int, range: Range<Int>)] = []
        for (i, p) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            slots[i]!.step += 1
            updates.append((p, g, slots[i]!.step, slots[i]!.buffers))
            var lo = 0
            repeat {
                let hi = Swift.min(p.numel, lo + Parallelism.minimumChunk)
                pieces.append((updates.count - 1, lo..<hi))
                lo = hi
            } while lo < p.numel
        }
        // The closure holds the tensors while the tasks run; forEachTask releases it on this thread.
        Parallelism.forEachTask(pieces.count) { [self, updates, pieces] k in
            let piece = pieces[k], u = updates[piece.update]
            applySingle(
                parameter: u.parameter.pointer, gradient: u.gradient.pointer, range: piece.range, step: u.step,
                buffers: u.buffers)
        }
        return updates.count
    }

    @discardableResult
    public func step() -> Int { _trap { try _step() } }

    /// Forgets every parameter's gradient (PyTorch's `zero_grad()`, which sets them to None by default).
    public func zeroGrad() {
        for p in parameters { p.zeroGrad() }
    }

    // MARK: State for saving and loading

    /// The state of parameter `index` (in ``parameters`` order), or nil before its first update.
    public func state(ofParameter index: Int) -> ParameterState? {
        guard parameters.indices.contains(index), let slot = slots[index] else { return nil }
        return ParameterState(step: slot.step, buffers: Dictionary(uniqueKeysWithValues: zip(names, slot.buffers)))
    }

    /// The state of every parameter in ``parameters`` order (nil: not updated yet), for saving. The
    /// buffers are the optimizer's own tensors; copy them if they must outlive further steps unchanged.
    package func stateSnapshot() -> [ParameterState?] {
        parameters.indices.map { state(ofParameter: $0) }
    }

    /// Replaces the whole state with `snapshot` (one entry per parameter, nil for none), copying the
    /// buffers. Every entry is checked first (step >= 0; exactly the buffers in ``bufferNames``, each of
    /// its parameter's shape), so a bad snapshot changes nothing.
    package func loadState(_ snapshot: [ParameterState?]) throws {
        guard snapshot.count == parameters.count else {
            throw SwishError.shape("optimizer state has \(snapshot.count) entries for \(parameters.count) parameters")
        }
        var loaded: [Slot?] = Array(repeating: nil, count: parameters.count)
        let expected = Set(names)
        for (i, entry) in snapshot.enumerated() {
            guard let entry else { continue }
            let p = parameters[i]
            guard entry.step >= 0 else {
                throw SwishError.invalidArgument("optimizer state of parameter \(i) has step \(entry.step)")
            }
            guard Set(entry.buffers.keys) == expected else {
                throw SwishError.format(
                    "optimizer state of parameter \(i) has buffers \(entry.buffers.keys.sorted()), expected \(expected.sorted())")
            }
            for (name, t) in entry.buffers.sorted(by: { $0.key < $1.key }) {
                guard t.shape == p.shape, t.dtype == .float32 else {
                    throw SwishError.shape(
                        "optimizer state '\(name)' of parameter \(i) has shape \(t.shape), the parameter has \(p.shape)")
                }
            }
            loaded[i] = Slot(step: entry.step, buffers: try names.map { try entry.buffers[$0]!.copyDetached() })
        }
        slots = loaded
    }

    /// The hyperparameters by PyTorch's names (`lr`, `betas` as `beta1`/`beta2`, ...), for saving.
    package var hyperparameters: [String: Double] { ["lr": Double(learningRate)] }
}
