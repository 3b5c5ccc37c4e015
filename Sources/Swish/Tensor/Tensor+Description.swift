#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Printing in PyTorch's format (torch/_tensor_str.py, default print options: precision 4, linewidth 80,
// threshold 1000, edgeitems 3), so output can be compared with PyTorch's line for line.

private let precision = 4
private let lineWidth = 80
private let threshold = 1000
private let edgeItems = 3

/// C's printf formatting, which is what Python's `format` produces for these specifiers.
private func cFormat(_ spec: String, _ v: Double) -> String {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buf in
        _ = spec.withCString { f in withVaList([v]) { vsnprintf(buf.baseAddress!, 64, f, $0) } }
        return String(cString: buf.baseAddress!)
    }
}

/// Chooses one format for every element shown, as PyTorch's `_Formatter` does.
private struct Formatter {
    var dtype: DType
    var intMode = true
    var sciMode = false
    var maxWidth = 1

    init(_ values: [Float], dtype: DType) {
        self.dtype = dtype
        guard dtype == .float32 else {
            for v in values { maxWidth = Swift.max(maxWidth, Formatter.plain(v, dtype).count) }
            return
        }
        let finite = values.filter { $0.isFinite && $0 != 0 }.map { Double($0) }
        guard !finite.isEmpty else { return }
        let absMin = finite.map(Swift.abs).min()!, absMax = finite.map(Swift.abs).max()!
        intMode = finite.allSatisfy { $0 == $0.rounded(.up) }
        if intMode {
            if absMax / absMin > 1000 || absMax > 1e8 {
                sciMode = true
                for v in finite { maxWidth = Swift.max(maxWidth, cFormat("%.\(precision)e", v).count) }
            } else {
                for v in finite { maxWidth = Swift.max(maxWidth, cFormat("%.0f", v).count + 1) }
            }
        } else if absMax / absMin > 1000 || absMax > 1e8 || absMin < 1e-4 {
            sciMode = true
            for v in finite { maxWidth = Swift.max(maxWidth, cFormat("%.\(precision)e", v).count) }
        } else {
            for v in finite { maxWidth = Swift.max(maxWidth, cFormat("%.\(precision)f", v).count) }
        }
    }

    static func plain(_ v: Float, _ dtype: DType) -> String {
        switch dtype {
        case .bool: return v != 0 ? "True" : "False"
        case .int64:
            // Storage is float: swish_tensor_data or swish_tensor_set can put NaN, an infinity or a value
            // beyond Int64 into an int64 tensor. Print such a value as the float it is instead of trapping.
            guard v.isFinite, v >= -0x1p63, v < 0x1p63 else { return String(v) }
            return String(Int64(v))
        case .float32: return String(v)
        }
    }

    func format(_ v: Float) -> String {
        var s: String
        if dtype != .float32 {
            s = Formatter.plain(v, dtype)
        } else {
            let d = Double(v)
            if d.isNaN {
                s = "nan"
            } else if d.isInfinite {
                s = d < 0 ? "-inf" : "inf"
            } else if sciMode {
                s = cFormat("%.\(precision)e", d)
            } else if intMode {
                s = cFormat("%.0f", d) + "."
            } else {
                s = cFormat("%.\(precision)f", d)
            }
        }
        if s.count < maxWidth { s = String(repeating: " ", count: maxWidth - s.count) + s }
        return s
    }
}

extension Tensor: CustomStringConvertible {
    /// `tensor([[42., 42.]])`, `tensor(0.2701, grad_fn=<SumBackward0>)`, as PyTorch prints.
    public var description: String {
        let prefix = "tensor("
        let indent = prefix.count
        var suffixes: [String] = []
        let body: String
        if numel == 0 {
            body = "[]"
            if shape != [0] { suffixes.append("size=(" + shape.map(String.init).joined(separator: ", ") + (ndim == 1 ? ",)" : ")")) }
            // No element shows the dtype, so PyTorch names it for every non-default dtype.
            if dtype != .float32 { suffixes.append("dtype=\(dtype)") }
        } else {
            let summarize = numel > threshold
            let fmt = Formatter(summarize ? summarizedValues() : scalars, dtype: dtype)
            body = Tensor.render(pointer, shape, 0, indent, summarize, fmt)
        }
        if let name = gradFnName {
            suffixes.append("grad_fn=<\(name)>")
        } else if _requiresGrad {
            suffixes.append("requires_grad=True")
        }
        // PyTorch's _add_suffixes: wrap a suffix onto its own line when it would pass the line width.
        var out = prefix + body
        var lastLineLen = out.count - (out.lastIndex(of: "\n").map { out.distance(from: out.startIndex, to: $0) } ?? -1) + 1
        for s in suffixes {
            if lastLineLen + s.count + 2 > lineWidth {
                out += ",\n" + String(repeating: " ", count: indent) + s
                lastLineLen = indent + s.count
            } else {
                out += ", " + s
                lastLineLen += s.count + 2
            }
        }
        return out + ")"
    }

    /// The values a summarized print shows (the first and last `edgeItems` along every dim).
    private func summarizedValues() -> [Float] {
        func collect(_ p: UnsafePointer<Float>, _ dims: ArraySlice<Int>, _ out: inout [Float]) {
            guard let n = dims.first else {
                out.append(p.pointee)
                return
            }
            let inner = dims.dropFirst().reduce(1, *)
            let idx = n > 2 * edgeItems ? Array(0..<edgeItems) + Array((n - edgeItems)..<n) : Array(0..<n)
            for i in idx { collect(p + i * inner, dims.dropFirst(), &out) }
        }
        var out: [Float] = []
        collect(pointer, ArraySlice(shape.array), &out)
        return out
    }

    private static func render(
        _ p: UnsafePointer<Float>, _ shape: Shape, _ level: Int, _ indent: Int, _ summarize: Bool, _ fmt: Formatter
    ) -> String {
        let dim = shape.rank - level
        if dim == 0 { return fmt.format(p.pointee) }
        let n = shape[level]
        let inner = shape.product(level + 1..<shape.rank)
        if dim == 1 {
            let elementLength = fmt.maxWidth + 2
            let perLine = Swift.max(1, (lineWidth - indent) / elementLength)
            var data: [String]
            if summarize && n > 2 * edgeItems {
                data = (0..<edgeItems).map { fmt.format(p[$0]) } + [" ..."] + ((n - edgeItems)..<n).map { fmt.format(p[$0]) }
            } else {
                data = (0..<n).map { fmt.format(p[$0]) }
            }
            var lines: [String] = []
            var i = 0
            while i < data.count {
                lines.append(data[i..<Swift.min(i + perLine, data.count)].joined(separator: ", "))
                i += perLine
            }
            return "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: indent + 1)) + "]"
        }
        var slices: [String] = []
        if summarize && n > 2 * edgeItems {
            for i in 0..<edgeItems { slices.append(render(p + i * inner, shape, level + 1, indent + 1, summarize, fmt)) }
            slices.append("...")
            for i in (n - edgeItems)..<n { slices.append(render(p + i * inner, shape, level + 1, indent + 1, summarize, fmt)) }
        } else {
            for i in 0..<n { slices.append(render(p + i * inner, shape, level + 1, indent + 1, summarize, fmt)) }
        }
        let sep = "," + String(repeating: "\n", count: dim - 1) + String(repeating: " ", count: indent + 1)
        return "[" + slices.joined(separator: sep) + "]"
    }
}
