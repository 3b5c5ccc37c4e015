#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Swish

// Training helpers for C: shuffled orders, row gathers for mini-batches, accuracy and progress lines.

@_cdecl("swish_randperm")
public func swish_randperm(_ out: UnsafeMutablePointer<Int64>?, _ n: Int, _ gen: OpaquePointer?) -> Int32 {
    returnStatus {
        guard n >= 0 else { throw SwishError.invalidArgument("n is negative") }
        guard n == 0 || out != nil else { throw SwishError.invalidArgument("argument 'out' is NULL") }
        let g = try generatorArg(gen, "gen") ?? .default
        guard let out, n > 0 else { return }
        // Fisher-Yates in the caller's buffer, the same draws as MiniBatches' shuffle for the same seed.
        for i in 0..<n { out[i] = Int64(i) }
        var i = n - 1
        while i > 0 {
            let j = g.nextInt(below: i + 1)
            out.swapAt(i, j)
            i -= 1
        }
    }
}

extension UnsafeMutablePointer {
    fileprivate func swapAt(_ i: Int, _ j: Int) {
        let t = self[i]
        self[i] = self[j]
        self[j] = t
    }
}

@_cdecl("swish_take_rows")
public func swish_take_rows(_ t: OpaquePointer?, _ rows: UnsafePointer<Int64>?, _ count: Int) -> OpaquePointer? {
    returnTensor {
        let x = try tensorArg(t, "t")
        guard count >= 0 else { throw SwishError.invalidArgument("count is negative") }
        let p = try bufferArg(rows, count, "rows")
        return try Tensor._takeRows(x, UnsafeBufferPointer(start: p, count: count))
    }
}

@_cdecl("swish_accuracy")
public func swish_accuracy(_ logits: OpaquePointer?, _ labels: OpaquePointer?) -> Float {
    returnValue(Float.nan) { try Tensor._accuracy(try tensorArg(logits, "logits"), try tensorArg(labels, "labels")) }
}

@_cdecl("swish_count_correct")
public func swish_count_correct(_ logits: OpaquePointer?, _ labels: OpaquePointer?) -> Int64 {
    returnValue(-1) {
        Int64(try Tensor._correctPredictions(try tensorArg(logits, "logits"), try tensorArg(labels, "labels")))
    }
}

@_cdecl("swish_set_progress")
public func swish_set_progress(_ enabled: Bool) -> Bool {
    let old = TrainingProgress.isEnabled
    TrainingProgress.isEnabled = enabled
    return old
}

@_cdecl("swish_progress_format")
public func swish_progress_format(
    _ buf: UnsafeMutablePointer<CChar>?, _ size: Int, _ epoch: Int64, _ epochs: Int64, _ loss: Float,
    _ accuracy: Float, _ samplesPerSecond: Double
) -> Int64 {
    returnValue(-1) {
        guard size >= 0 else { throw SwishError.invalidArgument("size is negative") }
        guard size == 0 || buf != nil else { throw SwishError.invalidArgument("argument 'buf' is NULL") }
        let line = TrainingProgress.line(
            epoch: Int(truncatingIfNeeded: epoch), epochs: Int(truncatingIfNeeded: epochs), loss: loss,
            accuracy: accuracy, samplesPerSecond: samplesPerSecond)
        let bytes = Array(line.utf8)
        if let buf, size > 0 {
            let n = Swift.min(bytes.count, size - 1)
            for i in 0..<n { buf[i] = CChar(bitPattern: bytes[i]) }
            buf[n] = 0
        }
        return Int64(bytes.count)
    }
}

@_cdecl("swish_progress_print")
public func swish_progress_print(
    _ epoch: Int64, _ epochs: Int64, _ loss: Float, _ accuracy: Float, _ samplesPerSecond: Double
) {
    TrainingProgress.print(
        epoch: Int(truncatingIfNeeded: epoch), epochs: Int(truncatingIfNeeded: epochs), loss: loss, accuracy: accuracy,
        samplesPerSecond: samplesPerSecond)
    fflush(nil)  // the line shares C stdio's buffer; flush so it interleaves with the caller's output
}
