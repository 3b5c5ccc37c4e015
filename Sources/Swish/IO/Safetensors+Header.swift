import FoundationEssentials

/// A validated safetensors header: the tensors with their dtype, shape and byte range in the data
/// section, sorted by offset, and the metadata map. See ``Safetensors`` for the rules.
struct _Header {
    struct Entry {
        let name: String
        let dtype: _SafetensorsDType
        let shape: Shape
        /// Byte range in the data section: `begin..<end`.
        let begin: Int
        let end: Int
    }

    let entries: [Entry]
    let metadata: [String: String]

    static let metadataKey = "__metadata__"

    /// Validates `bytes` (the header, without its length prefix) against a data section of `dataSize`
    /// bytes, or throws `.format` naming the first problem.
    static func parse(_ bytes: [UInt8], dataSize: Int) throws -> _Header {
        guard let first = bytes.firstIndex(where: { !_JSONLexicalCheck.isWhitespace($0) }) else {
            throw SwishError.format("the header is empty (\(bytes.count) bytes of whitespace or nothing)")
        }
        try checkUTF8(bytes)
        guard bytes[first] == UInt8(ascii: "{") else {
            throw SwishError.format(
                "the header is not a JSON object: it starts with byte 0x\(String(bytes[first], radix: 16)) at offset \(first), not '{'"
            )
        }
        let root: [String: _JSONValue]
        do {
            guard case .object(let object) = try JSONDecoder().decode(_JSONValue.self, from: Data(bytes)) else {
                throw SwishError.format("the header is not a JSON object")
            }
            root = object
        } catch let error as DecodingError {
            throw SwishError.format("the header is not valid JSON: \(describe(error))")
        }
        try _JSONLexicalCheck.run(bytes)

        let metadata = try parseMetadata(root[metadataKey])
        // Validate in name order so a file with several problems always reports the same one.
        let names = root.keys.filter { $0 != metadataKey }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var entries: [Entry] = []
        entries.reserveCapacity(names.count)
        for name in names {
            // The decoder gave the dictionary; the name is one of its keys.
            guard let value = root[name] else { continue }
            entries.append(try parseEntry(name, value, dataSize: dataSize))
        }
        entries.sort { a, b in
            (a.begin, a.end) != (b.begin, b.end)
                ? (a.begin, a.end) < (b.begin, b.end) : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
        try checkTiling(entries, dataSize: dataSize)
        return _Header(entries: entries, metadata: metadata)
    }

    // MARK: Pieces

    /// Throws unless `bytes` is valid UTF-8, naming the offset of the first bad sequence.
    private static func checkUTF8(_ bytes: [UInt8]) throws {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                offset += encoded.count
            case .emptyInput:
                return
            case .error(let length):
                throw SwishError.format(
                    "the header is not valid UTF-8: \(length) bad byte(s) at offset \(offset) (0x\(String(bytes[offset], radix: 16)))"
                )
            }
        }
    }

    private static func parseMetadata(_ value: _JSONValue?) throws -> [String: String] {
        switch value {
        case nil, .null?:
            return [:]
        case .object(let map)?:
            var metadata: [String: String] = [:]
            for (key, v) in map {
                guard case .string(let s) = v else {
                    throw SwishError.format(
                        "__metadata__ must map strings to strings, but the value of '\(key)' is \(v.kind)")
                }
                metadata[key] = s
            }
            return metadata
        case let other?:
            throw SwishError.format("__metadata__ must be an object of strings, not \(other.kind)")
        }
    }

    private static func parseEntry(_ name: String, _ value: _JSONValue, dataSize: Int) throws -> Entry {
        guard case .object(let fields) = value else {
            throw SwishError.format(
                "the entry for tensor '\(name)' is \(value.kind), not an object with dtype, shape and data_offsets")
        }
        for key in fields.keys where !["dtype", "shape", "data_offsets"].contains(key) {
            throw SwishError.format(
                "tensor '\(name)' has an unknown field '\(key)' (an entry has exactly dtype, shape and data_offsets)")
        }
        guard let dtypeValue = fields["dtype"] else { throw SwishError.format("tensor '\(name)' has no dtype") }
        guard case .string(let dtypeName) = dtypeValue else {
            throw SwishError.format("the dtype of tensor '\(name)' is \(dtypeValue.kind), not a string")
        }
        let dtype = try _SafetensorsDType.named(dtypeName, tensor: name)

        guard let shapeValue = fields["shape"] else { throw SwishError.format("tensor '\(name)' has no shape") }
        guard case .array(let shapeItems) = shapeValue else {
            throw SwishError.format("the shape of tensor '\(name)' is \(shapeValue.kind), not an array")
        }
        guard shapeItems.count <= Shape.maxRank else {
            throw SwishError.format(
                "tensor '\(name)' has \(shapeItems.count) dimensions; Swish supports at most \(Shape.maxRank)")
        }
        var dims: [Int] = []
        for (i, item) in shapeItems.enumerated() {
            dims.append(try nonNegativeInteger(item, "dimension \(i) of the shape of tensor '\(name)'"))
        }

        guard let offsetsValue = fields["data_offsets"] else {
            throw SwishError.format("tensor '\(name)' has no data_offsets")
        }
        guard case .array(let offsets) = offsetsValue, offsets.count == 2 else {
            let what = if case .array(let a) = offsetsValue { "an array of \(a.count)" } else { offsetsValue.kind }
            throw SwishError.format("the data_offsets of tensor '\(name)' are \(what), not two integers [begin, end]")
        }
        let begin = try nonNegativeInteger(offsets[0], "the begin offset of tensor '\(name)'")
        let end = try nonNegativeInteger(offsets[1], "the end offset of tensor '\(name)'")
        guard begin <= end else {
            throw SwishError.format("the data_offsets of tensor '\(name)' are reversed: begin \(begin) > end \(end)")
        }
        guard end <= dataSize else {
            throw SwishError.format(
                "the data_offsets [\(begin), \(end)] of tensor '\(name)' are out of bounds: the data section has \(dataSize) bytes"
            )
        }

        var count = 1
        for d in dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw SwishError.format("the element count of tensor '\(name)' with shape \(dims) overflows 64 bits")
            }
            count = product
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow else {
            throw SwishError.format(
                "the byte size of tensor '\(name)' (\(count) elements of \(dtype.rawValue)) overflows 64 bits")
        }
        guard byteCount == end - begin else {
            throw SwishError.format(
                "tensor '\(name)' spans \(end - begin) bytes ([\(begin), \(end)]) but shape \(dims) of \(dtype.rawValue) needs \(byteCount)"
            )
        }
        let shape: Shape
        do { shape = try Shape.validated(dims) } catch { throw SwishError.format("tensor '\(name)': \(error)") }
        return Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    private static func nonNegativeInteger(_ value: _JSONValue, _ what: String) throws -> Int {
        switch value {
        case .integer(let i) where i >= 0:
            return i
        case .integer(let i):
            throw SwishError.format("\(what) is negative (\(i))")
        case .number(let d):
            // Only integers beyond Int's range get here: signs, fractions and exponents were refused
            // lexically (so the negative case above is a second line of defence).
            throw SwishError.format("\(what) is too large (\(d))")
        default:
            throw SwishError.format("\(what) is \(value.kind), not a non-negative integer")
        }
    }

    /// Throws unless the entries, sorted by offset, cover `0..<dataSize` exactly once.
    private static func checkTiling(_ entries: [Entry], dataSize: Int) throws {
        var covered = 0
        var previous: Entry? = nil
        for e in entries {
            if e.begin > covered {
                throw SwishError.format(
                    "bytes \(covered)..<\(e.begin) of the data section belong to no tensor (a gap before tensor '\(e.name)')"
                )
            }
            if e.begin < covered, let p = previous {
                throw SwishError.format(
                    "tensor '\(e.name)' (bytes \(e.begin)..<\(e.end)) overlaps tensor '\(p.name)' (bytes \(p.begin)..<\(p.end))"
                )
            }
            covered = e.end
            if e.end > e.begin { previous = e }
        }
        guard covered == dataSize else {
            throw SwishError.format(
                "the data section has \(dataSize) bytes but the tensors cover only \(covered): \(dataSize - covered) trailing bytes belong to no tensor"
            )
        }
    }

    /// A decoding error as one line: the decoder's description, the underlying parser message if any,
    /// and where in the JSON it happened.
    private static func describe(_ error: DecodingError) -> String {
        let context: DecodingError.Context
        switch error {
        case .dataCorrupted(let c), .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c):
            context = c
        @unknown default:
            return String(describing: error)
        }
        var text = context.debugDescription
        if let underlying = context.underlyingError { text += " (\(underlying))" }
        if !context.codingPath.isEmpty { text += " at \(_JSONValue.render(context.codingPath))" }
        return text
    }
}

/// A JSON value as the toolchain's `JSONDecoder` reads it; the header is decoded into this and then
/// checked by hand, so every rule has its own message.
indirect enum _JSONValue: Decodable {
    case null
    case bool(Bool)
    /// A number that fits `Int` exactly.
    case integer(Int)
    /// Any other number (here: an integer beyond `Int`'s range).
    case number(Double)
    case string(String)
    case array([_JSONValue])
    case object([String: _JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        // Strings and integers first: they are nearly all of a header.
        if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let i = try? c.decode(Int.self) {
            self = .integer(i)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if c.decodeNil() {
            self = .null
        } else {
            // A type mismatch means "not this kind of container"; any other error comes from a nested
            // value and is passed on. A nested value never throws a type mismatch (see the end).
            do {
                self = .array(try c.decode([_JSONValue].self))
                return
            } catch DecodingError.typeMismatch {}
            do {
                self = .object(try c.decode([String: _JSONValue].self))
                return
            } catch DecodingError.typeMismatch {}
            // The decoder's parser lets number-like tokens such as `02` or `4-2` through and only fails
            // when asked for a number.
            throw SwishError.format(
                "the header value at \(_JSONValue.render(decoder.codingPath)) is not valid JSON (a malformed number or string)"
            )
        }
    }

    /// What kind of value this is, for messages: "a string", "an array", ...
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// A coding path as `'name'.shape[0]`.
    static func render(_ path: [any CodingKey]) -> String {
        if path.isEmpty { return "the top level" }
        var text = ""
        for key in path {
            if let i = key.intValue, key.stringValue.hasPrefix("Index ") {
                text += "[\(i)]"
            } else {
                text += (text.isEmpty ? "" : ".") + "'\(key.stringValue)'"
            }
        }
        return text
    }
}
