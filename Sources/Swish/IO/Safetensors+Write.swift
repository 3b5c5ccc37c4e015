/// The layout of a file to write: the header bytes and the tensors in data order. Built (and every name
/// and size checked) before anything is written, so a bad input fails without touching the disk.
struct _WritePlan {
    let header: [UInt8]
    let tensors: [Tensor]
    /// Bytes of the whole file: 8 + header + data.
    let fileSize: Int

    init(_ named: [Safetensors.NamedTensor], metadata: [String: String]) throws {
        var seen: [String: String] = [:]
        for (name, _) in named {
            guard name != _Header.metadataKey else {
                throw SwishError.invalidArgument(
                    "cannot save a tensor named '\(_Header.metadataKey)': the format reserves that key for metadata")
            }
            if let first = seen[name] {
                let how = first.utf8.elementsEqual(name.utf8) ? "" : " (equal under Unicode canonical equivalence)"
                throw SwishError.invalidArgument("two tensors are named '\(name)'\(how); names must be unique")
            }
            seen[name] = name
        }
        let ordered = named.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }

        var json: [UInt8] = Array("{".utf8)
        if !metadata.isEmpty {
            json += Array("\"__metadata__\":{".utf8)
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (k, key) in keys.enumerated() {
                if k > 0 { json.append(UInt8(ascii: ",")) }
                _WritePlan.appendString(key, to: &json)
                json.append(UInt8(ascii: ":"))
                _WritePlan.appendString(metadata[key] ?? "", to: &json)
            }
            json.append(UInt8(ascii: "}"))
        }
        var offset = 0
        for (k, (name, tensor)) in ordered.enumerated() {
            let (bytes, o1) = tensor.numel.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
            let (end, o2) = offset.addingReportingOverflow(bytes)
            guard !o1, !o2 else {
                throw SwishError.outOfMemory("the tensors to save total more than \(Int.max) bytes")
            }
            if k > 0 || !metadata.isEmpty { json.append(UInt8(ascii: ",")) }
            _WritePlan.appendString(name, to: &json)
            json += Array(":{\"dtype\":\"F32\",\"shape\":[".utf8)
            json += Array(tensor.shape.map(String.init).joined(separator: ",").utf8)
            json += Array("],\"data_offsets\":[\(offset),\(end)]}".utf8)
            offset = end
        }
        json.append(UInt8(ascii: "}"))
        // Pad with spaces (JSON whitespace) so the data section starts 8-byte aligned, as the Python
        // library does.
        json += [UInt8](repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8)

        let (size, overflow) = offset.addingReportingOverflow(8 + json.count)
        guard !overflow else { throw SwishError.outOfMemory("the file to save would exceed \(Int.max) bytes") }
        header = json
        tensors = ordered.map(\.tensor)
        fileSize = size
    }

    /// Passes the file's bytes to `sink` in order: the length, the header, each tensor's data.
    func write(_ sink: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        try withUnsafeBytes(of: UInt64(header.count).littleEndian) { try sink($0) }
        try header.withUnsafeBytes { try sink($0) }
        for t in tensors where t.numel > 0 {
            try withExtendedLifetime(t) {
                try sink(UnsafeRawBufferPointer(start: t.pointer, count: t.numel * MemoryLayout<Float>.size))
            }
        }
    }

    /// Appends `s` as a JSON string with the escaping of the Python library's writer (Rust's serde_json):
    /// `"` and `\` escaped, control characters as `\b \f \n \r \t` or `\u00XX` (lower-case hex), every
    /// other character as raw UTF-8 (so `/`, DEL and non-ASCII are not escaped).
    static func appendString(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0C: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x00..<0x20: out += Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
