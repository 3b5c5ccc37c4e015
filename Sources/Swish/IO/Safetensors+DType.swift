#if !_endian(little)
    #error("Swish reads and writes safetensors data by copying float32 memory, which assumes a little-endian host")
#endif

/// The element types Swish reads from a safetensors file, with their conversion to float32.
enum _SafetensorsDType: String {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case f64 = "F64"

    /// Bytes per element.
    var size: Int {
        switch self {
        case .f16, .bf16: 2
        case .f32: 4
        case .f64: 8
        }
    }

    /// The dtype names of the format that Swish recognizes but does not load (all but the four above).
    static let unsupportedNames: Set<String> = [
        "BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64", "C64", "F8_E5M2", "F8_E4M3", "F8_E8M0",
        "F8_E4M3FNUZ", "F8_E5M2FNUZ", "F6_E2M3", "F6_E3M2", "F4",
    ]

    /// The dtype called `name` in the file, or a format error naming it and saying why it is refused.
    static func named(_ name: String, tensor: String) throws -> _SafetensorsDType {
        if let d = _SafetensorsDType(rawValue: name) { return d }
        if unsupportedNames.contains(name) {
            throw SwishError.format(
                "tensor '\(tensor)' has dtype \(name), which Swish does not load (it converts F32, F16, BF16 and F64 to float32)"
            )
        }
        throw SwishError.format(
            "tensor '\(tensor)' has unknown dtype '\(name)' (the format's dtypes are spelled F32, F16, BF16, F64, I64, U8, BOOL, ...)"
        )
    }

    /// Fills `count` floats at `out` from the `byteCount` bytes that `read` copies out of the file
    /// (`byteCount == count * size`, checked by the header validation). F32 is read straight into the
    /// tensor; the other dtypes go through a scratch buffer of the file's bytes and are widened or
    /// narrowed by the IEEE conversions of the standard library.
    func read(
        count: Int, into out: UnsafeMutablePointer<Float>,
        from read: (UnsafeMutableRawBufferPointer) throws -> Void, byteCount: Int
    ) throws {
        let (expected, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow, byteCount == expected else {
            throw SwishError.internal("safetensors: \(byteCount) bytes for \(count) \(rawValue) elements")
        }
        if self == .f32 {
            try read(UnsafeMutableRawBufferPointer(start: out, count: byteCount))
            return
        }
        var scratch = [UInt8](repeating: 0, count: byteCount)
        try scratch.withUnsafeMutableBytes { try read($0) }
        scratch.withUnsafeBytes { raw in
            switch self {
            case .f32:
                break
            case .f16:
                for i in 0..<count {
                    let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    out[i] = Float(Float16(bitPattern: bits))
                }
            case .bf16:
                // bfloat16 is the top half of a float32, so widening is a shift: exact for every value.
                for i in 0..<count {
                    let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    out[i] = Float(bitPattern: UInt32(bits) << 16)
                }
            case .f64:
                for i in 0..<count {
                    let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
                    out[i] = Float(Double(bitPattern: bits))
                }
            }
        }
    }
}
