/// Reading and writing the safetensors format, so weights cross between Swish and PyTorch without a
/// converter: `safetensors.torch.save_file(model.state_dict(), f)` in Python gives a file this reads,
/// and a file this writes loads with `safetensors.torch.load_file(f)` (or the numpy flavour).
///
/// ```swift
/// try Safetensors.save([("weight", w), ("bias", b)], metadata: ["format": "pt"], to: "model.safetensors")
/// let file = try Safetensors.load(from: "model.safetensors")
/// file.tensors[0].name      // "bias" (file order: sorted by name)
/// file.metadata["format"]   // "pt"
/// ```
///
/// # The format
///
/// `[8 bytes: N, the header length, u64 little-endian] [N bytes: the header, UTF-8 JSON] [data section]`.
/// The header is an object mapping each tensor name to `{"dtype": "F32", "shape": [2, 3],
/// "data_offsets": [begin, end]}`, offsets in bytes relative to the start of the data section (end is
/// one past the last byte), plus an optional `"__metadata__"` object of string to string. Values are
/// little-endian, row-major, packed. (Facts from the format's README and reference implementation,
/// huggingface/safetensors; checked against the installed Python package, which wrote the fixtures.)
///
/// # Decisions
///
/// **Reading** (``decode(_:)``, ``load(from:)``) never trusts the file. Nothing is allocated from a size
/// in the file before that size has been checked against the file's actual length; a failure throws and
/// returns nothing, so a caller's model is untouched. It checks, in this order:
/// - the file has at least 8 bytes; the header length is at most ``maxHeaderBytes`` (100,000,000 bytes,
///   the reference implementation's limit) and fits in the file;
/// - the header is valid UTF-8, starts (after JSON whitespace) with `{`, and is JSON, parsed by the
///   toolchain's `FoundationEssentials.JSONDecoder` (FoundationEssentials has no `JSONSerialization`, so
///   the header is decoded into a small `Decodable` JSON value type, `_JSONValue`, and checked by hand);
/// - no object in it has a key twice, no array or object ends in a trailing comma, and every number is a
///   plain non-negative integer (digits only: no sign, fraction or exponent). These are things the
///   decoder does not report (it keeps the first of two equal keys, accepts trailing commas, and reads
///   `1.0`, `-0` or `1e-400` as an `Int`), so a lexical scan of the already-validated JSON checks them
///   (`_JSONLexicalCheck`);
/// - `__metadata__`, if present and not `null`, is an object of strings;
/// - every other key is an object with exactly the fields `dtype` (a known dtype name), `shape` (at most
///   8 non-negative integers, Swish's maximum rank) and `data_offsets` (two non-negative integers);
/// - for each tensor `begin <= end <= data section size`, and the element count times the dtype's size,
///   computed with overflow checks, equals `end - begin`;
/// - sorted by offsets, the tensors tile the data section exactly: the first starts at 0, each starts
///   where the previous ended (no gap, no overlap), the last ends at the end of the file.
///
/// Compared with the reference reader, Swish is stricter in refusing duplicate keys (the format's README
/// disallows them), names that are equal under Unicode canonical equivalence (Swift compares strings
/// that way, so such names could not be told apart in a state dict), fields other than the three, and
/// trailing commas; like it, Swish accepts whitespace around the JSON,
/// `"__metadata__": null`, header entries in any order, and zero-size tensors at any boundary.
///
/// **Dtypes.** `F32` is read as is. `F16`, `BF16` and `F64` are converted to float32 exactly as IEEE 754
/// does (F16 and BF16 widen exactly, subnormals included; F64 rounds to nearest even, overflows to
/// infinity, underflows through the float32 subnormals to zero; infinities, NaN and the sign of zero are
/// kept), which is what PyTorch's `.float()` and numpy's `astype(float32)` give. The one difference from
/// PyTorch is a half NaN's payload: Swish (like IEEE and numpy) keeps it (`0x7e00` becomes `0x7fc00000`),
/// PyTorch's CPU conversion gives `0x7fffffff` for every half NaN; both are NaN. Every other dtype (`I64`, `U8`, `BOOL`, `F8_*`,
/// `C64`, ...) is a format error naming it: integer tensors are not converted, because float32 cannot
/// hold every 64-bit integer and the state dicts Swish loads hold only floating-point values.
///
/// **Writing** (``encode(_:metadata:)``, ``save(_:metadata:to:)-(_,[String:String],_)``) writes every tensor
/// as `F32`, its values as float32 whatever its ``DType`` tag (a `bool` or `int64` tagged tensor stores 0/1
/// or the index as a float). Tensors are ordered by name (byte order of UTF-8, as the Python library orders
/// tensors of one dtype) and packed from offset 0; `__metadata__` comes first, keys sorted (the Python
/// library orders them by hash; sorted keeps Swish's files reproducible), and is left out when the map is
/// empty. The JSON is compact with the Python library's escaping (`"`, `\` and control characters escaped,
/// everything else raw UTF-8), padded with spaces to a multiple of 8 bytes so the data section is 8-byte
/// aligned. For float32 tensors and at most one metadata key the bytes are identical to
/// `safetensors.torch.save_file`'s (a test checks this on a file Python wrote).
///
/// **Tied tensors.** Each name is written with its own copy of the data, so a tensor listed under two
/// names (tied parameters) is stored twice as equal data. Loading such a file into a PyTorch model with
/// `load_state_dict` copies both keys into the one shared parameter, so the tie survives in both
/// directions. Files from `safetensors.torch.save_model` store a tied tensor once and record each dropped
/// name in `__metadata__` as `alias -> kept name`; ``decode(_:)`` and ``load(from:)`` return the file's
/// tensors and metadata as they are, ``loadStateDict(from:resolvingAliases:)`` and ``Module/load(from:strict:)``
/// resolve the aliases (see Safetensors+StateDict.swift).
///
/// **Saving is atomic**: the file is written to a temporary file in the same folder, flushed with
/// `fsync`, renamed over the target, and the folder is flushed. A failed save leaves an existing file as
/// it was and removes its temporary file. The new file takes the permissions of the file it replaces; a
/// symbolic link at the path is replaced by the file, not written through.
///
/// **Errors** are ``SwishError``: `.format` for a file that breaks a rule above (the message names the
/// rule, the tensor and the numbers), `.io` for a file that cannot be opened, read or written,
/// `.invalidArgument` for tensors that cannot be written (a duplicate or reserved name), `.outOfMemory`
/// when a valid file's tensors do not fit the allocator's limit. Nothing here traps on any input.
public enum Safetensors {
    /// The largest header accepted, in bytes: the reference implementation's limit, which stops a hostile
    /// file from making the reader parse an enormous JSON document.
    public static let maxHeaderBytes = 100_000_000

    /// A tensor and the name it has in a file (a state dict key such as `"0.weight"`).
    public typealias NamedTensor = (name: String, tensor: Tensor)

    /// What a safetensors file holds.
    public struct Contents {
        /// The tensors in the order of their data in the file, all float32.
        public var tensors: [NamedTensor]
        /// The `__metadata__` map (empty when the file has none).
        public var metadata: [String: String]

        public init(tensors: [NamedTensor], metadata: [String: String] = [:]) {
            self.tensors = tensors
            self.metadata = metadata
        }

        /// The tensor stored under `name`, if any.
        public subscript(name: String) -> Tensor? {
            tensors.first { $0.name == name }?.tensor
        }
    }

    /// The bytes of a safetensors file holding `tensors` as F32 and `metadata`.
    ///
    /// Throws `.invalidArgument` when two tensors have the same name or one is named `__metadata__`, and
    /// `.outOfMemory` when the file would not fit in memory.
    public static func encode(_ tensors: [NamedTensor], metadata: [String: String] = [:]) throws -> [UInt8] {
        let plan = try _WritePlan(tensors, metadata: metadata)
        var out = [UInt8]()
        out.reserveCapacity(plan.fileSize)
        plan.write { out.append(contentsOf: $0) }
        return out
    }

    /// The tensors and metadata of the safetensors file whose bytes are `bytes`.
    ///
    /// Throws `.format` naming the first problem when the bytes are not a valid file (see the type's
    /// documentation for the rules).
    public static func decode(_ bytes: [UInt8]) throws -> Contents {
        try bytes.withUnsafeBytes { raw in
            try _decode(size: raw.count, source: _MemorySource(bytes: raw))
        }
    }

    /// Writes `tensors` (as F32) and `metadata` to the file at `path`, atomically: either the whole new
    /// file is in place afterwards, or the call throws and an existing file at `path` is unchanged.
    ///
    /// Throws `.invalidArgument` for a duplicate or reserved tensor name (before touching the disk) and
    /// `.io` when the folder cannot be written, the disk is full, or the rename fails.
    public static func save(_ tensors: [NamedTensor], metadata: [String: String] = [:], to path: String) throws {
        let plan = try _WritePlan(tensors, metadata: metadata)
        try _AtomicFile.write(to: path) { file in try plan.write { try file.write($0) } }
    }

    /// The tensors and metadata of the safetensors file at `path`.
    ///
    /// Throws `.io` when the file cannot be opened or read (missing, a folder, unreadable) and `.format`
    /// naming the first problem when its content breaks the format's rules. Tensor data is read straight
    /// into the tensors after the header has been validated, so memory use is bounded by the file.
    public static func load(from path: String) throws -> Contents {
        let file = try _ReadableFile(path: path)
        do {
            return try _decode(size: file.size, source: file)
        } catch SwishError.format(let message) {
            throw SwishError.format("'\(path)': \(message)")
        }
    }

    // MARK: Reading, shared by decode and load

    /// Reads the header through `source`, validates it against a file of `size` bytes, then reads each
    /// tensor's data into a new float32 tensor.
    static func _decode(size: Int, source: some _ByteSource) throws -> Contents {
        guard size >= 8 else {
            throw SwishError.format(
                "the file is \(size) bytes; it must start with an 8-byte header length")
        }
        var lengthBytes = [UInt8](repeating: 0, count: 8)
        try lengthBytes.withUnsafeMutableBytes { try source.read(at: 0, into: $0) }
        let headerLength = lengthBytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(maxHeaderBytes) else {
            throw SwishError.format(
                "the header length \(headerLength) is larger than the limit of \(maxHeaderBytes) bytes")
        }
        let n = Int(headerLength)
        guard n <= size - 8 else {
            throw SwishError.format(
                "the header length \(n) runs past the end of the file (\(size) bytes, so at most \(size - 8))"
            )
        }
        var header = [UInt8](repeating: 0, count: n)
        try header.withUnsafeMutableBytes { try source.read(at: 8, into: $0) }
        let dataStart = 8 + n
        let parsed = try _Header.parse(header, dataSize: size - dataStart)

        var tensors: [NamedTensor] = []
        tensors.reserveCapacity(parsed.entries.count)
        for e in parsed.entries {
            let t = try Tensor(uninitialized: e.shape)
            let span = e.end - e.begin
            if span > 0 {
                try e.dtype.read(
                    count: e.shape.numel, into: t.pointer,
                    from: { try source.read(at: dataStart + e.begin, into: $0) }, byteCount: span)
            }
            tensors.append((e.name, t))
        }
        return Contents(tensors: tensors, metadata: parsed.metadata)
    }
}

/// Something the reader can copy bytes out of: a buffer in memory or an open file.
protocol _ByteSource {
    /// Fills `buffer` with the bytes at `offset`, or throws.
    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws
}

/// Bytes already in memory. Offsets are validated before any read, so a bad one is a bug in Swish.
struct _MemorySource: _ByteSource {
    let bytes: UnsafeRawBufferPointer

    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws {
        guard offset >= 0, buffer.count <= bytes.count, offset <= bytes.count - buffer.count else {
            throw SwishError.internal(
                "safetensors: read of \(buffer.count) bytes at \(offset) outside a buffer of \(bytes.count)")
        }
        if buffer.count > 0 {
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + buffer.count]))
        }
    }
}
