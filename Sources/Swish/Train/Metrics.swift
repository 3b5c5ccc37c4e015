#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Synchronization

// What a training loop reports: how many predictions were right, and one progress line per epoch.

extension Tensor {
    /// The number of rows of `logits` [N, C] whose largest entry is at the class `labels` [N] names
    /// (labels of any dtype holding integers; the first of equal maxima counts, as argmax).
    package static func _correctPredictions(_ logits: Tensor, _ labels: Tensor) throws -> Int {
        guard logits.ndim == 2 else {
            throw SwishError.shape("accuracy expects logits of shape [N, C], got \(logits.shape)")
        }
        guard labels.shape == [logits.shape[0]] else {
            throw SwishError.shape("accuracy expects labels of shape [\(logits.shape[0])], got \(labels.shape)")
        }
        let predicted = try _argmax(logits, dim: 1, keepdim: false)
        var correct = 0
        for i in 0..<labels.numel where predicted.pointer[i] == labels.pointer[i] { correct += 1 }
        return correct
    }

    /// The fraction of rows of `logits` [N, C] whose argmax equals the label; N must be > 0.
    package static func _accuracy(_ logits: Tensor, _ labels: Tensor) throws -> Float {
        let correct = try _correctPredictions(logits, labels)
        guard logits.shape[0] > 0 else { throw SwishError.invalidArgument("accuracy of an empty batch is undefined") }
        return Float(correct) / Float(logits.shape[0])
    }
}

/// The number of rows of `logits` [N, C] whose argmax is the label in `labels` [N].
public func correctPredictions(_ logits: Tensor, _ labels: Tensor) -> Int {
    _trap { try Tensor._correctPredictions(logits, labels) }
}

/// The fraction of rows of `logits` [N, C] whose argmax is the label in `labels` [N] (D2L's `accuracy`
/// divided by N).
public func accuracy(_ logits: Tensor, _ labels: Tensor) -> Float {
    _trap { try Tensor._accuracy(logits, labels) }
}

/// The per-epoch progress lines training loops print, and the switch that silences them.
///
/// A line reads `epoch 3/10: loss 0.2345, accuracy 0.9312, 48213 samples/s`.
public enum TrainingProgress {
    private static let enabled = Atomic<Bool>(true)

    /// Whether ``print(epoch:epochs:loss:accuracy:samplesPerSecond:)`` writes anything (on by default);
    /// the C API's `swish_set_progress` sets it.
    public static var isEnabled: Bool {
        get { enabled.load(ordering: .relaxed) }
        set { enabled.store(newValue, ordering: .relaxed) }
    }

    /// The progress line for one epoch (`epochs` <= 0: shown without a total; a NaN accuracy is left out).
    public static func line(epoch: Int, epochs: Int, loss: Float, accuracy: Float, samplesPerSecond: Double) -> String {
        var s = epochs > 0 ? "epoch \(epoch)/\(epochs): " : "epoch \(epoch): "
        s += "loss " + format("%.4f", Double(loss))
        if !accuracy.isNaN { s += ", accuracy " + format("%.4f", Double(accuracy)) }
        s += ", " + format("%.0f", samplesPerSecond) + " samples/s"
        return s
    }

    /// Writes ``line(epoch:epochs:loss:accuracy:samplesPerSecond:)`` to standard output when enabled.
    public static func print(epoch: Int, epochs: Int, loss: Float, accuracy: Float, samplesPerSecond: Double) {
        guard isEnabled else { return }
        Swift.print(line(epoch: epoch, epochs: epochs, loss: loss, accuracy: accuracy, samplesPerSecond: samplesPerSecond))
    }

    private static func format(_ spec: String, _ v: Double) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buf in
            _ = spec.withCString { f in withVaList([v]) { vsnprintf(buf.baseAddress!, 64, f, $0) } }
            return String(cString: buf.baseAddress!)
        }
    }
}

/// Accumulates one epoch's batches (mean loss weighted by batch size, correct predictions, samples,
/// wall time) and prints the epoch's progress line.
///
/// ```swift
/// var meter = EpochMeter()
/// for (xb, yb) in batches {
///     ...
///     meter.add(loss: loss.item(), correct: correctPredictions(logits, yb), count: yb.shape[0])
/// }
/// meter.finish(epoch: epoch + 1, epochs: 10)   // "epoch 1/10: loss 0.4123, accuracy 0.8811, ..."
/// ```
public struct EpochMeter {
    private var lossSum = 0.0
    private var correct = 0
    private var hasAccuracy = false
    /// Samples seen so far in this epoch.
    public private(set) var samples = 0
    private let start = EpochMeter.now()

    /// Starts timing now.
    public init() {}

    /// Adds one batch: its mean loss, its number of correct predictions (nil for regression) and size.
    public mutating func add(loss: Float, correct: Int? = nil, count: Int) {
        lossSum += Double(loss) * Double(count)
        samples += count
        if let correct {
            self.correct += correct
            hasAccuracy = true
        }
    }

    /// Mean loss per sample so far.
    public var meanLoss: Float { samples > 0 ? Float(lossSum / Double(samples)) : .nan }
    /// Fraction of correct predictions so far (NaN without any).
    public var accuracy: Float { hasAccuracy && samples > 0 ? Float(correct) / Float(samples) : .nan }
    /// Samples per second since the meter started.
    public var samplesPerSecond: Double {
        let elapsed = EpochMeter.now() - start
        return elapsed > 0 ? Double(samples) / elapsed : 0
    }

    /// The epoch's progress line, printed when ``TrainingProgress/isEnabled``; returned either way.
    @discardableResult
    public func finish(epoch: Int, epochs: Int) -> String {
        let line = TrainingProgress.line(
            epoch: epoch, epochs: epochs, loss: meanLoss, accuracy: accuracy, samplesPerSecond: samplesPerSecond)
        if TrainingProgress.isEnabled { Swift.print(line) }
        return line
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
