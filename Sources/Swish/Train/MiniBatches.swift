// Mini-batch iteration over in-memory data: a row gather along dim 0 and a shuffling sequence of batches.

extension Tensor {
    /// The rows `rows` of `x` along dim 0, in that order, as a new tensor of `x`'s dtype
    /// (`torch.index_select(x, 0, rows)`). Indices may be negative (from the end) and repeat. Recorded
    /// for autograd: the backward adds each row's gradient back into its source row.
    package static func _takeRows(_ x: Tensor, _ rows: UnsafeBufferPointer<Int64>) throws -> Tensor {
        guard x.ndim >= 1 else { throw SwishError.invalidArgument("take_rows needs a tensor with at least 1 dimension") }
        let n = x.shape[0], rowSize = x.shape.product(1..<x.ndim)
        // Checked before anything is allocated: the result's element count must fit.
        let outShape = try Shape.validated(x.shape.replacing(0, with: rows.count).array)
        var resolved = [Int](repeating: 0, count: rows.count)
        for (j, r) in rows.enumerated() {
            guard r >= -Int64(n) && r < Int64(n) else {
                throw SwishError.invalidArgument("index \(r) (position \(j)) is out of range for dimension 0 with size \(n)")
            }
            resolved[j] = Int(r < 0 ? r + Int64(n) : r)
        }
        let out = try Tensor(uninitialized: outShape, dtype: x.dtype)
        for (j, r) in resolved.enumerated() {
            (out.pointer + j * rowSize).update(from: x.pointer + r * rowSize, count: rowSize)
        }
        if recording(x) {
            let s = x.shape
            out.record("IndexSelectBackward0", x, savesTensors: false) { _, g in
                let gx = try Tensor(zeroed: s)
                for (j, r) in resolved.enumerated() {
                    let dst = gx.pointer + r * rowSize, src = g.pointer + j * rowSize
                    for k in 0..<rowSize { dst[k] += src[k] }
                }
                return Grads(gx)
            }
        }
        return out
    }

    /// The rows at `rows` along dim 0 (`torch.index_select(self, 0, rows)`); traps on an index out of range.
    public func takeRows(_ rows: [Int]) -> Tensor {
        _trap { try rows.map { Int64($0) }.withUnsafeBufferPointer { try Tensor._takeRows(self, $0) } }
    }
}

/// The mini-batches of an in-memory data set for one epoch after another, shuffled with a seeded
/// generator (PyTorch's `DataLoader(TensorDataset(inputs, targets), batch_size, shuffle, drop_last,
/// generator)`).
///
/// Each `for` loop over the sequence is one epoch: it draws a fresh order from the generator when
/// `shuffle` is on (so two runs with the same seed see the same batches), and gives
/// `(inputs, targets)` pairs of up to `batchSize` rows (the last one smaller unless `dropLast`).
///
/// ```swift
/// let batches = try MiniBatches(inputs: x, targets: y, batchSize: 64, generator: Generator(seed: 0))
/// for epoch in 0..<10 {
///     for (xb, yb) in batches { ... }
/// }
/// ```
public struct MiniBatches: Sequence {
    /// All inputs, one sample per row along dim 0.
    public let inputs: Tensor
    /// All targets (labels or values), one per row along dim 0.
    public let targets: Tensor
    public let batchSize: Int
    public let shuffle: Bool
    public let dropLast: Bool
    /// Where the shuffled orders come from.
    public let generator: Generator

    /// Throws ``SwishError/invalidArgument(_:)`` for a batch size below 1, or 0-d inputs or targets, and
    /// ``SwishError/shape(_:)`` when inputs and targets have different numbers of rows.
    public init(
        inputs: Tensor, targets: Tensor, batchSize: Int, shuffle: Bool = true, dropLast: Bool = false,
        generator: Generator = .default
    ) throws {
        guard batchSize >= 1 else { throw SwishError.invalidArgument("batch_size must be >= 1, got \(batchSize)") }
        guard inputs.ndim >= 1, targets.ndim >= 1 else {
            throw SwishError.invalidArgument("inputs and targets need a sample dimension (dim 0)")
        }
        guard inputs.shape[0] == targets.shape[0] else {
            throw SwishError.shape("inputs have \(inputs.shape[0]) rows but targets have \(targets.shape[0])")
        }
        self.inputs = inputs
        self.targets = targets
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.generator = generator
    }

    /// The number of samples.
    public var sampleCount: Int { inputs.shape[0] }

    /// The number of batches in one epoch.
    public var batchCount: Int {
        dropLast ? sampleCount / batchSize : (sampleCount + batchSize - 1) / batchSize
    }

    /// One epoch: draws the order now (from ``generator`` when shuffling).
    public func makeIterator() -> Iterator {
        let order = shuffle ? generator.permutation(sampleCount).map { Int64($0) } : (0..<Int64(sampleCount)).map { $0 }
        return Iterator(batches: self, order: order)
    }

    public struct Iterator: IteratorProtocol {
        let batches: MiniBatches
        let order: [Int64]
        var start = 0

        public mutating func next() -> (inputs: Tensor, targets: Tensor)? {
            let end = Swift.min(start + batches.batchSize, order.count)
            guard end > start, !(batches.dropLast && end - start < batches.batchSize) else { return nil }
            defer { start = end }
            return order[start..<end].withUnsafeBufferPointer { rows in
                _trap { (try Tensor._takeRows(batches.inputs, rows), try Tensor._takeRows(batches.targets, rows)) }
            }
        }
    }
}
