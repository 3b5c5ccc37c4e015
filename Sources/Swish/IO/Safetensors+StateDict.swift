// Modules and state dicts as safetensors files: the keys are exactly PyTorch's state_dict keys, so a
// file crosses between Swish and PyTorch in both directions.
//
// Tied parameters. Swish writes a tensor that a state dict lists under several names (a module placed
// twice, `net[4].weight = net[2].weight`) once per name, as equal data: the file is what
// `safetensors.torch.save_file({k: v.clone() for k, v in model.state_dict().items()})` would write, and
// `model.load_state_dict(safetensors.torch.load_file(f))` loads it into the tied PyTorch model (both keys
// copy into the one shared parameter). PyTorch's `safetensors.torch.load_model(model, f)` refuses such a
// file in strict mode (it reports the second name as unexpected); use `load_state_dict` there.
//
// Swish reads both that form and the one `safetensors.torch.save_model` writes, which stores a tied
// tensor once under the first name in sorted order and records each dropped name in `__metadata__` as
// `dropped name -> kept name`:
// - ``Safetensors/loadStateDict(from:resolvingAliases:)`` turns each such alias back into a state-dict
//   entry sharing the kept tensor, so the state dict has the keys PyTorch's `state_dict()` had. A metadata
//   entry counts as an alias only when its key is not a tensor of the file and its value is.
// - ``Module/load(from:strict:)`` in addition fills a key the file lacks from another key of the same tied
//   group of the module (as `load_model` does from the model's structure), so a file whose alias entries
//   were lost still loads.
// Either way the module keeps its own tensors (loading copies values), so a tie survives every round trip.

extension Safetensors {
    /// Writes the entries of `stateDict` (as F32, under their keys) to the file at `path`, atomically, with
    /// `metadata` as `__metadata__` (nil: the state dict's own ``StateDict/metadata``).
    ///
    /// ```swift
    /// try Safetensors.save(net.stateDict(), metadata: ["epoch": "3"], to: "net.safetensors")
    /// ```
    ///
    /// Throws as ``save(_:metadata:to:)`` does (`.invalidArgument` for the key `__metadata__`, `.io` when
    /// the file cannot be written; an existing file is then left as it was).
    public static func save(_ stateDict: StateDict, metadata: [String: String]? = nil, to path: String) throws {
        try save(stateDict.map { ($0.key, $0.value) }, metadata: metadata ?? stateDict.metadata, to: path)
    }

    /// The state dict stored in the safetensors file at `path`: its tensors (float32, in the file's order)
    /// under their names, and its `__metadata__` as ``StateDict/metadata``.
    ///
    /// With `resolvingAliases` (the default), the aliases `safetensors.torch.save_model` records for tied
    /// tensors it stored once become entries too: for each metadata entry whose key is not a tensor of the
    /// file and whose value is, the key is added (after the file's tensors) sharing that tensor. The result
    /// then has every key of the PyTorch model's `state_dict()`.
    ///
    /// ```swift
    /// let sd = try Safetensors.loadStateDict(from: "tied.safetensors")   // written by save_model
    /// sd["4.weight"] === sd["2.weight"]                                   // true
    /// net.loadStateDict(sd)
    /// ```
    ///
    /// Throws `.io` when the file cannot be opened or read and `.format` naming the first problem of a
    /// malformed file (see ``Safetensors``).
    public static func loadStateDict(from path: String, resolvingAliases: Bool = true) throws -> StateDict {
        stateDict(of: try load(from: path), resolvingAliases: resolvingAliases)
    }

    /// The state dict of already loaded `contents`, aliases resolved as in
    /// ``loadStateDict(from:resolvingAliases:)``.
    public static func stateDict(of contents: Contents, resolvingAliases: Bool = true) -> StateDict {
        var sd = StateDict(contents.tensors.map { ($0.name, $0.tensor) })
        sd.metadata = contents.metadata
        guard resolvingAliases else { return sd }
        let stored = Set(sd.keys)
        let aliases = contents.metadata.filter { alias, target in
            !stored.contains(alias) && stored.contains(target) && alias != _Header.metadataKey
        }
        for alias in aliases.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            sd[alias] = sd[aliases[alias]!]
        }
        return sd
    }
}

extension Module {
    /// Writes the module's state dict (every parameter and persistent buffer under its PyTorch key, tied
    /// ones under each of their names as equal data) to the safetensors file at `path`, atomically, with
    /// `metadata` as `__metadata__`. The file loads into the equivalent PyTorch model with
    /// `model.load_state_dict(safetensors.torch.load_file(path))`.
    ///
    /// ```swift
    /// try net.save(to: "net.safetensors", metadata: ["epoch": "3"])
    /// ```
    ///
    /// Throws `.state` while a lazy module has not created its parameters yet, `.io` when the file cannot
    /// be written (an existing file is then left as it was).
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        try Safetensors.save(try _stateDict(), metadata: metadata, to: path)
    }

    /// Loads the safetensors file at `path` into the module's parameters and persistent buffers, as
    /// ``loadStateDict(_:strict:)`` does with ``Safetensors/loadStateDict(from:resolvingAliases:)``'s state
    /// dict, and returns the keys that did not match (PyTorch's `load_state_dict(load_file(path))`, which
    /// also accepts the files of `safetensors.torch.save_model`).
    ///
    /// A key the file lacks is filled from another key of the same tied group of this module (a tensor the
    /// file stores once), so it is not missing. Keys must match when `strict`; shapes always. An
    /// uninitialized lazy parameter takes the shape of its entry.
    ///
    /// ```swift
    /// let net = Sequential([Linear(4, 8), ReLU(), Linear(8, 1)])
    /// try net.load(from: "net.safetensors")                          // every key must match
    /// let report = try net.load(from: "other.safetensors", strict: false)
    /// report.missingKeys, report.unexpectedKeys
    /// ```
    ///
    /// Throws `.io` or `.format` for a file that cannot be read or is malformed, `.invalidArgument` for
    /// missing or unexpected keys in strict mode and `.shape` for a shape mismatch, listing every problem.
    /// On any error the module is unchanged.
    @discardableResult
    public func load(from path: String, strict: Bool = true) throws -> IncompatibleKeys {
        try _load(Safetensors.loadStateDict(from: path), strict: strict)
    }

    /// Loads `stateDict` as ``load(from:strict:)`` does after reading the file: tied keys the state dict
    /// lacks are filled from their group, then ``loadStateDict(_:strict:)``'s rules apply.
    package func _load(_ stateDict: StateDict, strict: Bool) throws -> IncompatibleKeys {
        var sd = stateDict
        for group in _tiedStateKeys() {
            guard let present = group.first(where: { sd[$0] != nil }), let tensor = sd[present] else { continue }
            for key in group where sd[key] == nil { sd[key] = tensor }
        }
        return try _loadStateDict(sd, strict: strict)
    }
}
