/// Named tensors in insertion order: what ``Module/stateDict()`` returns and
/// ``Module/loadStateDict(_:strict:)`` reads (PyTorch's `OrderedDict` of a state dict).
///
/// The dictionary itself is a value; the tensors in it are shared, so the tensors of a module's state dict
/// view the module's memory, as in PyTorch.
///
/// ```swift
/// var sd = net.stateDict()
/// sd.keys                  // ["0.weight", "0.bias", "2.weight", "2.bias"]
/// sd["2.bias"]             // Optional(tensor([-0.2723]))
/// sd["2.bias"] = Tensor([0.5])
/// net.loadStateDict(sd)
/// ```
public struct StateDict: RandomAccessCollection, CustomStringConvertible {
    public typealias Element = (key: String, value: Tensor)

    /// The names, in insertion order.
    public private(set) var keys: [String] = []
    /// The tensors, in the order of ``keys``.
    public private(set) var values: [Tensor] = []
    private var positions: [String: Int] = [:]
    /// String metadata carried with the tensors: the `__metadata__` map of the safetensors file the state
    /// dict was loaded from (``Safetensors/loadStateDict(from:resolvingAliases:)``), and what saving it with
    /// `Safetensors.save(stateDict, to:)` writes as `__metadata__`. Empty for a module's ``Module/stateDict()``.
    public var metadata: [String: String] = [:]

    /// An empty state dict.
    public init() {}

    /// A state dict of `entries` in order; a repeated key keeps its first position and its last value.
    public init(_ entries: some Sequence<(String, Tensor)>) {
        for (k, v) in entries { self[k] = v }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { keys.count }

    /// The entry at `position` in insertion order.
    public subscript(position: Int) -> Element { (keys[position], values[position]) }

    /// The tensor stored under `key`. Assigning a tensor replaces the entry in place or appends a new one;
    /// assigning nil removes it.
    public subscript(key: String) -> Tensor? {
        get { positions[key].map { values[$0] } }
        set {
            if let newValue {
                if let i = positions[key] {
                    values[i] = newValue
                } else {
                    positions[key] = keys.count
                    keys.append(key)
                    values.append(newValue)
                }
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// Removes the entry for `key` and returns its tensor, or nil if there was none.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> Tensor? {
        guard let i = positions.removeValue(forKey: key) else { return nil }
        keys.remove(at: i)
        let v = values.remove(at: i)
        for j in i..<keys.count { positions[keys[j]] = j }
        return v
    }

    /// `OrderedDict([('weight', tensor(...)), ('bias', tensor([-0.2723]))])`, as PyTorch prints one.
    public var description: String {
        "OrderedDict([" + zip(keys, values).map { "('\($0)', \($1))" }.joined(separator: ", ") + "])"
    }
}
