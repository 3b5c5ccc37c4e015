// An optimizer's state as a safetensors file, keyed by parameter names, so training resumes exactly:
// N steps, save the model and the optimizer, load both into fresh objects, M more steps gives the same
// bits as N + M steps straight through.
//
// The file (version 1):
//
//   tensors (F32)   state.<name>.<buffer>          each buffer of each parameter that has been updated,
//                                                  with the parameter's shape; <buffer> is PyTorch's
//                                                  state name (exp_avg, exp_avg_sq, max_exp_avg_sq,
//                                                  momentum_buffer)
//   __metadata__    optimizer                      the optimizer's type: "Adam", "AdamW", "SGD", "Yogi"
//                   optimizer_state_version        "1"
//                   state.<name>.step              the number of updates of that parameter, for every
//                                                  parameter ("0": never updated, and no tensors)
//                   lr, beta1, beta2, eps, ...     the hyperparameters by PyTorch's names (booleans as 1
//                                                  or 0), as decimals that read back to the same float
//
// <name> is the parameter's name in the module given (`hidden.weight`, `0.bias`: its first name in
// `namedParameters()` when it is tied), or without a module its position in the optimizer's parameter
// list (`0`, `1`, ...: PyTorch's optimizer state_dict numbers them the same way). Buffer names contain
// no dot, so `state.<name>.<buffer>` splits at its last dot.
//
// Loading checks everything before it changes anything: the file's kind and version, the optimizer type,
// the hyperparameters (all but the learning rate must be equal; the learning rate is restored, as
// PyTorch's `load_state_dict` restores its param groups, so a schedule resumes where it was), that the
// file has state for exactly the optimizer's parameters, and every buffer's presence and shape.

/// The keys of an optimizer state file.
enum _OptimizerStateFile {
    static let kindKey = "optimizer"
    static let versionKey = "optimizer_state_version"
    static let version = "1"
    static let statePrefix = "state."
    static let stepSuffix = ".step"

    /// A hyperparameter as written: an integer without a fraction, anything else as the shortest decimal
    /// that reads back to the same double (which is the float32 hyperparameter exactly).
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return value.description
    }
}

extension Optimizer {
    /// The optimizer's kind as written in a state file: the class name ("Adam", "AdamW", "SGD", "Yogi").
    package var _kindName: String { String(describing: type(of: self)) }

    /// The name of each parameter in ``parameters`` order: its (first) name in `module`, or its position.
    /// Throws `.invalidArgument` for a parameter the module does not have.
    package func _parameterNames(in module: Module?) throws -> [String] {
        guard let module else { return parameters.indices.map(String.init) }
        var names: [ObjectIdentifier: String] = [:]
        for entry in module._namedParameterSlots() {
            if let t = entry.tensor { names[ObjectIdentifier(t)] = entry.name }
        }
        return try parameters.enumerated().map { i, p in
            guard let name = names[ObjectIdentifier(p)] else {
                throw SwishError.invalidArgument(
                    "parameter \(i) of the optimizer (shape \(p.shape)) is not a parameter of the \(module.typeName) whose names key the state"
                )
            }
            return name
        }
    }

    /// The tensors and metadata of the optimizer's state file (see the top of this file). The tensors are
    /// the optimizer's own buffers, not copies: write them before the next step.
    package func _stateFile(module: Module?) throws -> (tensors: [Safetensors.NamedTensor], metadata: [String: String]) {
        let names = try _parameterNames(in: module)
        typealias Key = _OptimizerStateFile
        var metadata = [Key.kindKey: _kindName, Key.versionKey: Key.version]
        for (name, value) in hyperparameters { metadata[name] = Key.format(value) }
        var tensors: [Safetensors.NamedTensor] = []
        for (name, state) in zip(names, stateSnapshot()) {
            metadata[Key.statePrefix + name + Key.stepSuffix] = String(state?.step ?? 0)
            guard let state else { continue }
            for buffer in bufferNames {
                guard let t = state.buffers[buffer] else {
                    throw SwishError.internal("optimizer state of '\(name)' lacks its buffer '\(buffer)'")
                }
                tensors.append((Key.statePrefix + name + "." + buffer, t))
            }
        }
        return (tensors, metadata)
    }

    /// Writes the optimizer's state (per-parameter step counts and buffers, keyed by the parameters'
    /// names in `module`, or by their positions when `module` is nil) and its hyperparameters to the
    /// safetensors file at `path`, atomically.
    ///
    /// ```swift
    /// try net.save(to: "net.safetensors")
    /// try opt.save(to: "adam.safetensors", module: net)
    /// // later, in a fresh process:
    /// try net2.load(from: "net.safetensors")
    /// try opt2.load(from: "adam.safetensors", module: net2)   // opt2 = Adam(net2.parameters(), ...)
    /// ```
    ///
    /// Throws `.invalidArgument` when a parameter of the optimizer is not one of `module`'s, `.io` when
    /// the file cannot be written (an existing file is then left as it was).
    public func save(to path: String, module: Module? = nil) throws {
        let file = try _stateFile(module: module)
        try Safetensors.save(file.tensors, metadata: file.metadata, to: path)
    }

    /// Replaces the optimizer's state and learning rate with those saved in the file at `path` by
    /// ``save(to:module:)``, the parameters matched by their names in `module` (or by position when
    /// `module` is nil). The buffers are copied; the other hyperparameters must equal this optimizer's.
    ///
    /// Throws `.io` or `.format` for a file that cannot be read, is malformed or is not an optimizer state;
    /// `.invalidArgument` when it is the state of another kind of optimizer, with other hyperparameters,
    /// or of other parameters (the message lists them); `.shape` when a buffer's shape is not its
    /// parameter's. On any error the optimizer is unchanged.
    public func load(from path: String, module: Module? = nil) throws {
        let contents = try Safetensors.load(from: path)
        do {
            try _loadStateFile(contents, module: module)
        } catch SwishError.format(let message) {
            throw SwishError.format("'\(path)': \(message)")
        }
    }

    /// Loads the contents of a state file; see ``load(from:module:)``.
    package func _loadStateFile(_ contents: Safetensors.Contents, module: Module?) throws {
        typealias Key = _OptimizerStateFile
        let names = try _parameterNames(in: module)
        let meta = contents.metadata

        guard let version = meta[Key.versionKey], let kind = meta[Key.kindKey] else {
            throw SwishError.format(
                "not an optimizer state: its __metadata__ lacks '\(Key.versionKey)' or '\(Key.kindKey)' (is it a model's weights?)")
        }
        guard version == Key.version else {
            throw SwishError.format(
                "optimizer state version '\(version)' is not supported (this Swish reads version \(Key.version))")
        }
        guard kind == _kindName else {
            throw SwishError.invalidArgument("the file holds the state of a \(kind) optimizer; this optimizer is a \(_kindName)")
        }

        // Hyperparameters: every metadata key that is not the kind, the version or a parameter's step.
        var saved: [String: Double] = [:]
        var steps: [String: Int] = [:]
        for (key, value) in meta where key != Key.kindKey && key != Key.versionKey {
            if key.hasPrefix(Key.statePrefix) {
                guard key.hasSuffix(Key.stepSuffix), key.count > Key.statePrefix.count + Key.stepSuffix.count else {
                    throw SwishError.format("unexpected metadata key '\(key)' (per-parameter keys are state.<name>.step)")
                }
                let name = String(key.dropFirst(Key.statePrefix.count).dropLast(Key.stepSuffix.count))
                guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                    let step = Int(value)
                else {
                    throw SwishError.format("the step count of '\(name)' is '\(value)', not a non-negative integer")
                }
                steps[name] = step
            } else {
                guard let number = Double(value), number.isFinite else {
                    throw SwishError.format("the hyperparameter '\(key)' is '\(value)', not a finite number")
                }
                saved[key] = number
            }
        }
        let current = hyperparameters
        var differences: [String] = []
        for key in Set(saved.keys).union(current.keys).sorted() where key != "lr" {
            switch (saved[key], current[key]) {
            case (let s?, let c?) where s != c:
                differences.append("\(key) is \(Key.format(s)) in the file, \(Key.format(c)) here")
            case (nil, _?):
                differences.append("the file has no \(key)")
            case (_?, nil):
                differences.append("the file has \(key), which \(_kindName) does not have")
            default:
                break
            }
        }
        guard differences.isEmpty else {
            throw SwishError.invalidArgument(
                "the saved \(kind)'s hyperparameters differ from this optimizer's: \(differences.joined(separator: "; "))")
        }
        guard let savedLR = saved["lr"] else { throw SwishError.format("the optimizer state has no 'lr'") }
        let lr = Float(savedLR)
        guard Double(lr) == savedLR, (try? Optimizer.checkLearningRate(lr)) != nil else {
            throw SwishError.format("the saved learning rate \(Key.format(savedLR)) is not a valid float32 learning rate")
        }

        // The parameters: the file must have a step count for exactly the optimizer's parameters.
        let known = Set(names)
        let missing = names.filter { steps[$0] == nil }
        let unknown = steps.keys.filter { !known.contains($0) }.sorted()
        guard missing.isEmpty && unknown.isEmpty else {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("no state for \(missing.map { "'\($0)'" }.joined(separator: ", "))") }
            if !unknown.isEmpty {
                parts.append("state for parameters it does not have: \(unknown.map { "'\($0)'" }.joined(separator: ", "))")
            }
            let naming = module.map { "named by the \($0.typeName)" } ?? "numbered by position (no module given)"
            throw SwishError.invalidArgument(
                "the file's parameters do not match the optimizer's \(names.count) parameters \(naming): \(parts.joined(separator: "; "))"
            )
        }

        // The buffers: state.<name>.<buffer>, each with its parameter's shape.
        let bufferSet = Set(bufferNames)
        var buffers: [String: [String: Tensor]] = [:]
        for (key, tensor) in contents.tensors {
            let rest = key.dropFirst(Key.statePrefix.count)
            guard key.hasPrefix(Key.statePrefix), let dot = rest.lastIndex(of: "."),
                known.contains(String(rest[..<dot]))
            else {
                throw SwishError.format("the tensor '\(key)' is not state.<name>.<buffer> of a parameter the file lists")
            }
            let name = String(rest[..<dot]), buffer = String(rest[rest.index(after: dot)...])
            guard bufferSet.contains(buffer) else {
                let kept = bufferNames.isEmpty ? "none" : bufferNames.joined(separator: ", ")
                throw SwishError.format("the tensor '\(key)': \(_kindName) keeps no buffer '\(buffer)' (it keeps \(kept))")
            }
            buffers[name, default: [:]][buffer] = tensor
        }
        var snapshot: [ParameterState?] = []
        for (p, name) in zip(parameters, names) {
            let step = steps[name] ?? 0
            let own = buffers[name] ?? [:]
            if step == 0 {
                guard own.isEmpty else {
                    throw SwishError.format("'\(name)' has step 0 (never updated) but buffers \(own.keys.sorted())")
                }
                snapshot.append(nil)
                continue
            }
            let absent = bufferNames.filter { own[$0] == nil }
            guard absent.isEmpty else {
                throw SwishError.format("the state of '\(name)' (step \(step)) lacks its buffer(s) \(absent.joined(separator: ", "))")
            }
            for (buffer, t) in own.sorted(by: { $0.key < $1.key }) where t.shape != p.shape {
                throw SwishError.shape(
                    "the saved \(buffer) of '\(name)' has shape \(t.shape), but the parameter has shape \(p.shape)")
            }
            snapshot.append(ParameterState(step: step, buffers: own))
        }
        // loadState checks again and copies before it replaces anything; the learning rate was checked above.
        try loadState(snapshot)
        try _setLearningRate(lr)
    }
}
