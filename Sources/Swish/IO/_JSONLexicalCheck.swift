import FoundationEssentials

/// Checks a safetensors header for what the toolchain's JSON decoder accepts or hides, on JSON that the
/// decoder has already accepted:
///
/// - **duplicate keys** in one object. `JSONDecoder` keeps the first of two equal keys and drops the
///   other silently, and a `Decodable` type only sees the merged dictionary (`allKeys` has no repeats), so
///   no decoding-side hook can observe a duplicate. Keys that are equal under Unicode canonical
///   equivalence (`"é"` as one scalar or as `e` + combining accent) count as duplicates too, because
///   Swift's `String` compares that way and the decoded dictionary merges them just the same;
/// - **trailing commas** (`{"a": 1,}`), which this decoder accepts and JSON does not;
/// - **numbers other than plain non-negative integers**: the decoder reads `1.0`, `1e3` and even
///   `1e-400` as the `Int` 1, 1000 and 0, and `-0` as 0, while every number in a safetensors header is
///   a size or an offset written as digits (the Python library refuses all of these too).
///
/// This is a lexical scan, not a parser: the decoder has already established that the bytes are valid
/// JSON, so the scan only needs to find string tokens (skipping escapes), the structural characters
/// outside strings, and number tokens. A string followed by `:` is a key of the innermost open object.
/// Each key is unescaped by `JSONDecoder` itself (decoding the quoted token as a `String`), so `"a"` and
/// `"\u0061"` are recognized as the same key without a hand-written unescaper. The scan is linear,
/// iterative (no recursion on nesting), and bounds-checked on every byte, so it cannot trap even on bytes
/// that are not JSON.
enum _JSONLexicalCheck {
    static func isWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
    }

    /// The bytes a JSON number token is made of.
    private static func isNumberByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-") || b == UInt8(ascii: "+")
            || b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
    }

    /// One open object or array; an object remembers its keys (with their first spelling, for the
    /// message) and the last key seen, for naming where a problem is.
    private struct Frame {
        var isObject: Bool
        var keys: [String: String] = [:]
        var lastKey: String? = nil
    }

    /// Throws `.format` at the first duplicate key, trailing comma, or number that is not plain digits.
    static func run(_ bytes: [UInt8]) throws {
        var stack: [Frame] = []
        var i = 0
        let n = bytes.count

        // Where the scan is, as the keys leading to it: "in 'w'.'shape'". Inside an object the innermost
        // last key is the previous sibling, so messages about the object itself leave it out.
        func location(innermost: Bool = true) -> String {
            let keys = (innermost ? stack[...] : stack.dropLast()).compactMap(\.lastKey)
            if keys.isEmpty { return "at the top level of the header" }
            return "in " + keys.map { "'\($0)'" }.joined(separator: ".")
        }

        while i < n {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard stack.count < 1024 else {
                    throw SwishError.format("the header nests objects and arrays more than 1024 deep")
                }
                stack.append(Frame(isObject: c == UInt8(ascii: "{")))
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
                i += 1
            case UInt8(ascii: ","):
                i += 1
                var j = i
                while j < n && isWhitespace(bytes[j]) { j += 1 }
                if j < n && (bytes[j] == UInt8(ascii: "}") || bytes[j] == UInt8(ascii: "]")) {
                    throw SwishError.format("the header has a trailing comma before '\(Character(Unicode.Scalar(bytes[j])))' \(location(innermost: false))")
                }
            case UInt8(ascii: "\""):
                let start = i
                var hasEscape = false
                i += 1
                while i < n && bytes[i] != UInt8(ascii: "\"") {
                    if bytes[i] == UInt8(ascii: "\\") {
                        hasEscape = true
                        i += 1
                    }
                    i += 1
                }
                let end = Swift.min(i, n - 1)  // the closing quote
                i = end + 1
                var j = i
                while j < n && isWhitespace(bytes[j]) { j += 1 }
                guard j < n && bytes[j] == UInt8(ascii: ":"), !stack.isEmpty, stack[stack.count - 1].isObject else {
                    continue  // a string value, not a key
                }
                let key = try decodeKey(bytes[start...end], hasEscape: hasEscape)
                let place = location(innermost: false)
                if let first = stack[stack.count - 1].keys[key] {
                    if first.utf8.elementsEqual(key.utf8) {
                        throw SwishError.format("the header has the key '\(key)' twice \(place)")
                    }
                    throw SwishError.format(
                        "the header has keys '\(first)' and '\(key)' \(place), which are the same name under Unicode canonical equivalence"
                    )
                }
                stack[stack.count - 1].keys[key] = key
                stack[stack.count - 1].lastKey = key
                i = j + 1
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = i
                var digitsOnly = true
                while i < n && isNumberByte(bytes[i]) {
                    if bytes[i] < UInt8(ascii: "0") || bytes[i] > UInt8(ascii: "9") { digitsOnly = false }
                    i += 1
                }
                if !digitsOnly {
                    let token = String(decoding: bytes[start..<i].prefix(40), as: UTF8.self)
                    throw SwishError.format(
                        "the header has the number \(token) \(location()), which is not a non-negative integer")
                }
            default:
                i += 1
            }
        }
    }

    /// The key whose quoted JSON token is `token`, unescaped by the toolchain's decoder when it has escapes.
    private static func decodeKey(_ token: ArraySlice<UInt8>, hasEscape: Bool) throws -> String {
        guard token.count >= 2 else { return "" }
        if !hasEscape { return String(decoding: token.dropFirst().dropLast(), as: UTF8.self) }
        do {
            return try JSONDecoder().decode(String.self, from: Data(token))
        } catch {
            throw SwishError.format("the header has a key that is not a valid JSON string: \(error)")
        }
    }
}
