import Foundation
import Testing

@testable import Swish

// The loader must reject every malformed file with SwishError.format (or .io), a message naming the
// problem, no trap, and no allocation beyond what the file's size allows. Each hand-made case below runs
// through both `decode` (bytes in memory) and `load` (the same bytes in a file); then random mutations
// of valid files check that nothing else slips through.

/// A safetensors file from a header string, its data bytes, and optionally a forged header length.
func safetensorsFile(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
    safetensorsFile(Array(header.utf8), data: data, length: length)
}

func safetensorsFile(_ header: [UInt8], data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
    withUnsafeBytes(of: (length ?? UInt64(header.count)).littleEndian, Array.init) + header + data
}

/// One F32 entry as header JSON.
func entry(_ name: String, shape: String = "[1]", offsets: String = "[0,4]", dtype: String = "\"F32\"") -> String {
    "\"\(name)\":{\"dtype\":\(dtype),\"shape\":\(shape),\"data_offsets\":\(offsets)}"
}

/// Deterministic pseudo-random numbers (SplitMix64), so every run tests the same files and a failure
/// can be reproduced from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var g = SplitMix64(state: seed)
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &g) }
}

struct MalformedCase: CustomTestStringConvertible, Sendable {
    let name: String
    let bytes: [UInt8]
    /// A piece of the message that names the problem.
    let message: String
    var testDescription: String { name }

    init(_ name: String, _ bytes: [UInt8], _ message: String) {
        self.name = name
        self.bytes = bytes
        self.message = message
    }
}

let four = [UInt8](repeating: 0, count: 4)
let eight = [UInt8](repeating: 0, count: 8)

let malformedCases: [MalformedCase] = [
    // The length prefix.
    .init("empty file", [], "the file is 0 bytes"),
    .init("truncated header length", [8, 0, 0, 0, 0, 0, 0], "the file is 7 bytes"),
    .init("header length past the end of the file", safetensorsFile("{}", length: 100), "runs past the end of the file"),
    .init("header length one byte too long", safetensorsFile("{}  ", length: 5), "runs past the end of the file"),
    .init("header length over the 100 MB cap", safetensorsFile("{}", length: 100_000_001), "larger than the limit of 100000000"),
    .init("header length 2^64-1", safetensorsFile("{}", length: .max), "larger than the limit"),
    .init("file of zeros", [UInt8](repeating: 0, count: 64), "the header is empty"),
    .init("random bytes", randomBytes(512, seed: 1), "larger than the limit"),
    .init("random header bytes", safetensorsFile(randomBytes(64, seed: 2)), "not valid UTF-8"),
    // The header as text.
    .init("header of spaces", safetensorsFile("        "), "the header is empty"),
    .init("header not UTF-8", safetensorsFile(Array("{\"a\u{e9}".utf8.dropLast()) + [0xFF] + Array("\":1}".utf8)), "not valid UTF-8"),
    .init("header with a byte order mark", safetensorsFile([0xEF, 0xBB, 0xBF] + Array("{}".utf8)), "starts with byte 0xef"),
    .init("header is a JSON array", safetensorsFile("[1, 2]  "), "not a JSON object"),
    .init("header is a JSON string", safetensorsFile("\"{}\"    "), "not a JSON object"),
    .init("header is truncated JSON", safetensorsFile("{\"" + entry("a").dropFirst().dropLast(3)), "not valid JSON"),
    .init("header padded with NUL instead of spaces", safetensorsFile(Array("{}".utf8) + [0, 0, 0, 0, 0, 0]), "not valid JSON"),
    .init("garbage after the JSON", safetensorsFile("{} x"), "not valid JSON"),
    .init("NaN literal", safetensorsFile("{\"a\":NaN}"), "not valid JSON"),
    .init("raw control character in a name", safetensorsFile("{\"a\u{1}\":{}}"), "not valid JSON"),
    .init("lone surrogate escape in a name", safetensorsFile(#"{"\ud800":{}}"#), "JSON"),
    .init("nesting 100000 deep", safetensorsFile("{\"a\":" + String(repeating: "[", count: 100_000) + "}"), "not valid JSON"),
    .init("trailing comma", safetensorsFile("{" + entry("a") + ",}", data: four), "trailing comma"),
    // Duplicate keys, which JSON decoders merge silently.
    .init("duplicate tensor names", safetensorsFile("{" + entry("a") + "," + entry("a", offsets: "[4,8]") + "}", data: eight), "the key 'a' twice"),
    .init("duplicate name spelled with an escape", safetensorsFile("{" + entry("a") + "," + entry("\\u0061", offsets: "[4,8]") + "}", data: eight), "the key 'a' twice"),
    .init("names equal under canonical equivalence", safetensorsFile("{" + entry("\u{e9}") + "," + entry("e\u{301}", offsets: "[4,8]") + "}", data: eight), "Unicode canonical equivalence"),
    .init("duplicate field in an entry", safetensorsFile(#"{"a":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}"#, data: four), "the key 'dtype' twice in 'a'"),
    .init("duplicate metadata key", safetensorsFile(#"{"__metadata__":{"k":"1","k":"2"}}"#), "the key 'k' twice in '__metadata__'"),
    .init("duplicate __metadata__", safetensorsFile(#"{"__metadata__":{},"__metadata__":{}}"#), "the key '__metadata__' twice"),
    // Entries.
    .init("entry not an object", safetensorsFile(#"{"a":5}"#), "the entry for tensor 'a' is a number"),
    .init("unknown dtype", safetensorsFile("{" + entry("a", dtype: "\"f32\"") + "}", data: four), "unknown dtype 'f32'"),
    .init("unsupported dtype I64", safetensorsFile("{" + entry("a", offsets: "[0,8]", dtype: "\"I64\"") + "}", data: eight), "dtype I64, which Swish does not load"),
    .init("unsupported dtype BOOL", safetensorsFile("{" + entry("a", offsets: "[0,1]", dtype: "\"BOOL\"") + "}", data: [1]), "dtype BOOL"),
    .init("dtype not a string", safetensorsFile("{" + entry("a", dtype: "32") + "}", data: four), "the dtype of tensor 'a' is a number"),
    .init("missing dtype", safetensorsFile(#"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, data: four), "tensor 'a' has no dtype"),
    .init("missing shape", safetensorsFile(#"{"a":{"dtype":"F32","data_offsets":[0,4]}}"#, data: four), "tensor 'a' has no shape"),
    .init("missing data_offsets", safetensorsFile(#"{"a":{"dtype":"F32","shape":[1]}}"#, data: four), "tensor 'a' has no data_offsets"),
    .init("unknown field", safetensorsFile(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"offsets":[0,4]}}"#, data: four), "unknown field 'offsets'"),
    // Shapes.
    .init("shape not an array", safetensorsFile("{" + entry("a", shape: "1") + "}", data: four), "the shape of tensor 'a' is a number"),
    .init("negative dimension", safetensorsFile("{" + entry("a", shape: "[-1]") + "}", data: four), "the number -1 in 'a'.'shape', which is not a non-negative integer"),
    .init("dimension written -0", safetensorsFile("{" + entry("a", shape: "[-0]", offsets: "[0,0]") + "}"), "the number -0 in 'a'.'shape'"),
    .init("fractional dimension", safetensorsFile("{" + entry("a", shape: "[2.5]") + "}", data: four), "the number 2.5 in 'a'.'shape', which is not a non-negative integer"),
    .init("dimension written 1.0", safetensorsFile("{" + entry("a", shape: "[1.0]") + "}", data: four), "the number 1.0"),
    .init("dimension with an exponent", safetensorsFile("{" + entry("a", shape: "[1e30]") + "}", data: four), "the number 1e30"),
    .init("dimension beyond 64 bits", safetensorsFile("{" + entry("a", shape: "[99999999999999999999]") + "}", data: four), "is too large"),
    .init("dimension with a leading zero", safetensorsFile("{" + entry("a", shape: "[01]") + "}", data: four), "the header value at 'a'.'shape'[0] is not valid JSON"),
    .init("dimension written 4-2", safetensorsFile("{" + entry("a", shape: "[4-2]") + "}", data: four), "is not valid JSON"),
    .init("dimension as a string", safetensorsFile("{" + entry("a", shape: "[\"1\"]") + "}", data: four), "dimension 0 of the shape of tensor 'a' is a string"),
    .init("shape product overflows", safetensorsFile("{" + entry("a", shape: "[4294967296,4294967296,0]", offsets: "[0,0]") + "}"), "element count of tensor 'a'"),
    .init("byte size overflows", safetensorsFile("{" + entry("a", shape: "[4611686018427387904]", offsets: "[0,0]") + "}"), "byte size of tensor 'a'"),
    .init("nine dimensions", safetensorsFile("{" + entry("a", shape: "[1,1,1,1,1,1,1,1,1]") + "}", data: four), "9 dimensions"),
    // Offsets.
    .init("offsets not an array", safetensorsFile("{" + entry("a", offsets: "4") + "}", data: four), "the data_offsets of tensor 'a' are a number"),
    .init("three offsets", safetensorsFile("{" + entry("a", offsets: "[0,4,8]") + "}", data: four), "are an array of 3"),
    .init("negative offset", safetensorsFile("{" + entry("a", offsets: "[-4,0]") + "}", data: four), "the number -4 in 'a'.'data_offsets'"),
    .init("offsets reversed", safetensorsFile("{" + entry("a", offsets: "[4,0]") + "}", data: four), "reversed: begin 4 > end 0"),
    .init("offsets out of bounds", safetensorsFile("{" + entry("a", shape: "[2]", offsets: "[0,8]") + "}", data: four), "out of bounds: the data section has 4 bytes"),
    .init("a terabyte tensor in a tiny file", safetensorsFile("{" + entry("a", shape: "[1099511627776]", offsets: "[0,4398046511104]") + "}", data: four), "out of bounds: the data section has 4 bytes"),
    .init("offset beyond 64 bits", safetensorsFile("{" + entry("a", offsets: "[0,18446744073709551616]") + "}", data: four), "is too large"),
    .init("span shorter than the shape needs", safetensorsFile("{" + entry("a", shape: "[2]", offsets: "[0,4]") + "}", data: four), "spans 4 bytes ([0, 4]) but shape [2] of F32 needs 8"),
    .init("span longer than the shape needs", safetensorsFile("{" + entry("a", shape: "[1]", offsets: "[0,8]") + "}", data: eight), "spans 8 bytes"),
    .init("overlapping tensors", safetensorsFile("{" + entry("a", shape: "[2]", offsets: "[0,8]") + "," + entry("b", shape: "[2]", offsets: "[4,12]") + "}", data: eight + four), "tensor 'b' (bytes 4..<12) overlaps tensor 'a' (bytes 0..<8)"),
    .init("same bytes for two tensors", safetensorsFile("{" + entry("a") + "," + entry("b") + "}", data: four), "overlaps"),
    .init("empty tensor inside another", safetensorsFile("{" + entry("a", shape: "[2]", offsets: "[0,8]") + "," + entry("b", shape: "[0]", offsets: "[4,4]") + "}", data: eight), "overlaps"),
    .init("gap between tensors", safetensorsFile("{" + entry("a") + "," + entry("b", offsets: "[8,12]") + "}", data: eight + four), "bytes 4..<8 of the data section belong to no tensor (a gap before tensor 'b')"),
    .init("first tensor not at 0", safetensorsFile("{" + entry("a", offsets: "[4,8]") + "}", data: eight), "bytes 0..<4"),
    .init("trailing bytes after the last tensor", safetensorsFile("{" + entry("a") + "}", data: eight), "4 trailing bytes belong to no tensor"),
    .init("data but no tensors", safetensorsFile("{}      ", data: four), "4 trailing bytes"),
    .init("truncated data section", Array(safetensorsFile("{" + entry("a", shape: "[2]", offsets: "[0,8]") + "}", data: eight).dropLast(3)), "out of bounds: the data section has 5 bytes"),
    // Metadata.
    .init("__metadata__ a string", safetensorsFile(#"{"__metadata__":"pt"}"#), "__metadata__ must be an object of strings, not a string"),
    .init("__metadata__ an array", safetensorsFile(#"{"__metadata__":["pt"]}"#), "not an array"),
    .init("__metadata__ value a number", safetensorsFile(#"{"__metadata__":{"epoch":3}}"#), "the value of 'epoch' is a number"),
    .init("__metadata__ value an object", safetensorsFile(#"{"__metadata__":{"a":{"b":"c"}}}"#), "the value of 'a' is an object"),
]

@Suite struct SafetensorsMalformedTests {
    @Test(arguments: malformedCases)
    func malformedFileIsRejected(_ c: MalformedCase) throws {
        // In memory.
        do {
            let contents = try Safetensors.decode(c.bytes)
            Issue.record("decode accepted it: \(contents.tensors.map(\.name))")
        } catch SwishError.format(let m) {
            #expect(m.contains(c.message), "decode's message: \(m)")
        }
        // The same bytes as a file: the same error, prefixed with the path.
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("bad.safetensors").path
        try Data(c.bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Safetensors.load(from: path)
            Issue.record("load accepted it")
        } catch SwishError.format(let m) {
            #expect(m.hasPrefix("'\(path)': ") && m.contains(c.message), "load's message: \(m)")
        }
    }

    @Test func malformedCaseCount() {
        #expect(malformedCases.count >= 25)
        #expect(Set(malformedCases.map(\.name)).count == malformedCases.count, "case names are unique")
    }

    @Test func malformedPathsAreIOErrors() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: SwishError.io("'\(folder.path)' is not a regular file")) { try Safetensors.load(from: folder.path) }
        let missing = folder.appendingPathComponent("none").path
        #expect {
            try Safetensors.load(from: missing)
        } throws: { error in
            guard case SwishError.io(let m) = error else { return false }
            return m.contains("cannot open '\(missing)'")
        }
        // A FIFO with no writer: refused at once instead of blocking in open(2).
        let fifo = folder.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: SwishError.io("'\(fifo)' is not a regular file")) { try Safetensors.load(from: fifo) }
        #expect {
            try Safetensors.load(from: "/dev/null")
        } throws: { error in
            guard case SwishError.io(let m) = error else { return false }
            return m.contains("not a regular file")
        }
    }

    /// The neighbours of every malformed case are accepted: whitespace around the JSON, entries out of
    /// offset order, zero-size tensors at boundaries, a null __metadata__. These are what the Python
    /// library accepts too, so the suite above is not rejecting valid files.
    @Test func malformedSuiteNeighboursAreAccepted() throws {
        let accepted: [[UInt8]] = [
            safetensorsFile(" \n\t{" + entry("a") + "}\r\n ", data: four),
            safetensorsFile("{" + entry("b", offsets: "[4,8]") + "," + entry("a") + "}", data: eight),
            safetensorsFile("{" + entry("z", shape: "[0,5]", offsets: "[0,0]") + "," + entry("a") + "," + entry("e", shape: "[3,0]", offsets: "[4,4]") + "}", data: four),
            safetensorsFile(#"{"__metadata__":null}"#),
            safetensorsFile("{" + entry("a", shape: "[]") + "}", data: four),
            safetensorsFile("{" + entry("a", shape: "[0]", offsets: "[0,0]") + "}"),
        ]
        for bytes in accepted {
            #expect(throws: Never.self) { try Safetensors.decode(bytes) }
        }
        let back = try Safetensors.decode(accepted[1])
        #expect(back.tensors.map(\.name) == ["a", "b"], "tensors come back in data order")
    }

    /// Random mutations of valid files: every result is either a valid file or a format error; none
    /// traps, and a file that is accepted never yields more float32 data than twice its size (F16 and
    /// BF16 widen 2 bytes to 4). SWISH_FUZZ_ITERATIONS raises the count (default 3000).
    @Test func malformedRandomMutationsAreRejectedOrValid() throws {
        let iterations = ProcessInfo.processInfo.environment["SWISH_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 3000
        let bases: [[UInt8]] = [
            try fixtureBytes("st_dtypes"),
            try Safetensors.encode(
                [
                    ("w", Tensor.rand([3, 4], generator: Generator(seed: 1))), ("b", Tensor([1, 2, 3])),
                    ("s", Tensor(5)), ("e", Tensor.zeros([0, 2])),
                ], metadata: ["format": "pt", "k": "v"]),
        ]
        let seed: UInt64 = 0x5AFE_7E45
        var g = SplitMix64(state: seed)
        var outcomes: [String: Int] = [:]
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for iteration in 0..<iterations {
            var bytes = bases[iteration % bases.count]
            for _ in 0..<Int.random(in: 1...3, using: &g) { mutate(&bytes, &g) }
            // Every 100th mutation also goes through a file.
            let viaFile = iteration % 100 == 0
            do {
                let contents: Safetensors.Contents
                if viaFile {
                    let path = folder.appendingPathComponent("m\(iteration).safetensors").path
                    try Data(bytes).write(to: URL(fileURLWithPath: path))
                    contents = try Safetensors.load(from: path)
                } else {
                    contents = try Safetensors.decode(bytes)
                }
                let floats = contents.tensors.reduce(0) { $0 + $1.tensor.numel }
                #expect(floats * 4 <= 2 * bytes.count, "iteration \(iteration) of seed \(seed): \(floats) floats from \(bytes.count) bytes")
                outcomes["accepted", default: 0] += 1
            } catch SwishError.format(let m) {
                #expect(!m.isEmpty)
                outcomes[category(m), default: 0] += 1
            } catch {
                Issue.record("iteration \(iteration) of seed \(seed): \(error) is not a format error")
            }
        }
        print("safetensors mutations (seed \(seed)): \(iterations) files:", outcomes.sorted { $0.value > $1.value })
        // The mutations reach many different checks, not just the first one.
        #expect(outcomes.count >= 10, "\(outcomes)")
        #expect(outcomes["accepted", default: 0] > 0, "\(outcomes)")
    }

    /// A message with its quoted names and numbers blanked, so messages about the same check group.
    func category(_ message: String) -> String {
        var text = ""
        var quoted = false
        for ch in message {
            if ch == "'" {
                quoted.toggle()
                if !quoted { text += "'_'" }
            } else if !quoted {
                if !ch.isNumber {
                    text.append(ch)
                } else if !text.hasSuffix("#") {
                    text += "#"
                }
            }
        }
        if text.hasPrefix("'_': ") { text.removeFirst(5) }  // load's path prefix
        return String(text.prefix(48))
    }

    /// One random change: a bit flip, a byte set to a JSON-significant character, a digit changed,
    /// bytes inserted, deleted or duplicated, the file truncated or extended, or the length rewritten.
    func mutate(_ bytes: inout [UInt8], _ g: inout SplitMix64) {
        let headerEnd = bytes.count >= 8
            ? Swift.min(bytes.count, 8 + Int(bytes[0]) + 256 * Int(bytes[1])) : bytes.count
        func position(inHeader: Bool = false) -> Int? {
            let upper = inHeader ? headerEnd : bytes.count
            let lower = inHeader ? Swift.min(8, upper) : 0
            return upper > lower ? Int.random(in: lower..<upper, using: &g) : nil
        }
        let significant = Array(#"{}[]":,0123456789-.eE \u"#.utf8)
        switch Int.random(in: 0..<10, using: &g) {
        case 0:
            if let i = position() { bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &g) }
        case 1:
            if let i = position(inHeader: true) { bytes[i] = significant.randomElement(using: &g)! }
        case 2:
            let digits = (8..<headerEnd).filter { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }
            if let i = digits.randomElement(using: &g) { bytes[i] = UInt8.random(in: 0x30...0x39, using: &g) }
        case 3:
            if let i = position() {
                bytes.insert(contentsOf: randomBytes(Int.random(in: 1...8, using: &g), seed: g.next()), at: i)
            }
        case 4:
            if let i = position() { bytes.removeSubrange(i..<Swift.min(bytes.count, i + Int.random(in: 1...8, using: &g))) }
        case 5:
            if let i = position(inHeader: true), let j = position(inHeader: true) {
                let slice = bytes[Swift.min(i, j)..<Swift.max(i, j)]
                bytes.insert(contentsOf: slice, at: Swift.max(i, j))
            }
        case 6:
            bytes.removeLast(Int.random(in: 0...Swift.min(bytes.count, 16), using: &g))
        case 7:
            bytes += randomBytes(Int.random(in: 1...16, using: &g), seed: g.next())
        case 8:
            // A nearby or random header length.
            guard bytes.count >= 8 else { return }
            let old = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            let new = Bool.random(using: &g) ? old &+ UInt64(bitPattern: Int64.random(in: -16...16, using: &g)) : g.next()
            withUnsafeBytes(of: new.littleEndian) { for k in 0..<8 { bytes[k] = $0[k] } }
        default:
            if let i = position() { bytes[i] = UInt8.random(in: 0...255, using: &g) }
        }
    }
}
