import Foundation
import Testing

@testable import Swish

// The safetensors format layer: round trips, the exact bytes written, files written by the Python
// `safetensors` package with torch (Tests/generate/gen_safetensors.py), and atomic saving.

/// The bytes of a fixture file in Tests/SwishTests/Fixtures.
func fixtureBytes(_ name: String, _ ext: String = "safetensors") throws -> [UInt8] {
    guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: ext) else {
        throw FixtureError("fixture \(name).\(ext) is missing; run Tests/generate/gen_safetensors.py")
    }
    return [UInt8](try Data(contentsOf: url))
}

/// A new empty folder under the system's temporary folder, removed by the caller.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("swish-st-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The float32 bit patterns of a tensor, for comparisons that distinguish -0 from 0 and see NaN.
func bitPatterns(_ t: Tensor) -> [UInt32] { t.scalars.map(\.bitPattern) }

@Suite struct SafetensorsRoundTripTests {
    /// Values that must survive exactly: signed zeros, the smallest subnormal, the extremes, inf, NaN.
    static let awkward: [Float] = [
        0, -0.0, 1, -2.5, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
        -.greatestFiniteMagnitude, .infinity, -.infinity, .nan, 1.0 / 3,
    ]

    @Test func roundTripKeepsNamesShapesAndBits() throws {
        let tensors: [Safetensors.NamedTensor] = [
            ("scalar", Tensor(-0.75)),
            ("empty", Tensor.zeros([0, 3])),
            ("empty_last", Tensor.zeros([3, 0])),
            ("eight_d", Tensor((0..<16).map(Float.init), shape: [1, 2, 1, 2, 1, 2, 1, 2])),
            ("awkward", Tensor(Self.awkward, shape: [3, 4])),
            ("hidden.weight", Tensor.rand([4, 3], generator: Generator(seed: 7))),
            ("日本語.é", Tensor([1, 2])),
            ("quote\"back\\slash/\n\t\u{1}\u{7f}", Tensor([3])),
            ("", Tensor([4])),
        ]
        let metadata = ["format": "pt", "note": "ünïcode ✓ \"quoted\"\n", "": "empty key"]
        let bytes = try Safetensors.encode(tensors, metadata: metadata)
        let back = try Safetensors.decode(bytes)
        #expect(back.metadata == metadata)
        // File order is by UTF-8 bytes of the name.
        let sortedNames = tensors.map(\.name).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(back.tensors.map(\.name) == sortedNames)
        for (name, t) in tensors {
            let b = try #require(back[name], "tensor '\(name)' missing")
            #expect(b.shape == t.shape, "shape of \(name)")
            #expect(b.dtype == .float32)
            #expect(bitPatterns(b) == bitPatterns(t), "values of \(name)")
        }
    }

    @Test func emptyStateDictAndNoMetadata() throws {
        let bytes = try Safetensors.encode([])
        // The Python library's bytes for an empty dict: length 8, "{}" and six spaces.
        #expect(bytes == [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
        let back = try Safetensors.decode(bytes)
        #expect(back.tensors.isEmpty)
        #expect(back.metadata.isEmpty)
    }

    @Test func headerLayoutMatchesThePythonWriter() throws {
        let t = Tensor([0, 1, 2, 3, 4, 5], shape: [1, 2, 3])
        let bytes = try Safetensors.encode([("attn.0", t)])
        let json = #"{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}"#
        let padded = json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8)
        var expected: [UInt8] = withUnsafeBytes(of: UInt64(padded.utf8.count).littleEndian, Array.init)
        expected += Array(padded.utf8)
        for v in t.scalars { expected += withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) }
        #expect(bytes == expected)
        #expect((bytes.count - 24) % 8 == 0, "data section starts 8-byte aligned")
    }

    @Test func tiedTensorIsWrittenTwiceAsEqualData() throws {
        let shared = Tensor([1, 2, 3, 4], shape: [2, 2])
        let bytes = try Safetensors.encode([("2.weight", shared), ("4.weight", shared)])
        let back = try Safetensors.decode(bytes)
        #expect(back.tensors.count == 2)
        #expect(back["2.weight"]!.scalars == shared.scalars)
        #expect(back["4.weight"]!.scalars == shared.scalars)
    }

    @Test func encodeRefusesDuplicateAndReservedNames() {
        let t = Tensor([1])
        #expect(throws: SwishError.invalidArgument("two tensors are named 'a'; names must be unique")) {
            try Safetensors.encode([("a", t), ("a", t)])
        }
        // "é" as one scalar and as e + combining acute are one Swift String, so they cannot both be keys.
        #expect {
            try Safetensors.encode([("\u{e9}", t), ("e\u{301}", t)])
        } throws: { error in
            guard case SwishError.invalidArgument(let m) = error else { return false }
            return m.contains("canonical equivalence")
        }
        #expect {
            try Safetensors.encode([("__metadata__", t)])
        } throws: { error in
            guard case SwishError.invalidArgument(let m) = error else { return false }
            return m.contains("reserves")
        }
    }
}

@Suite struct SafetensorsPyTorchFixtureTests {
    @Test func everySupportedDtypeConvertsLikeTorchFloat() throws {
        let contents = try Safetensors.decode(try fixtureBytes("st_dtypes"))
        let expected = try Fixture("st_dtypes")
        #expect(contents.metadata == (expected["metadata"] as? [String: String]))
        let tensors = try #require(expected["tensors"] as? [String: [String: Any]])
        #expect(Set(contents.tensors.map(\.name)) == Set(tensors.keys))
        for (name, e) in tensors {
            let t = try #require(contents[name])
            #expect(t.shape.array == (e["shape"] as? [Int]), "shape of \(name)")
            let bits = try #require(e["bits"] as? [Int]).map { UInt32($0) }
            // Bit-exact, except that a NaN only has to be a NaN: torch's CPU half-to-float gives
            // 0x7fffffff for every half NaN, where IEEE (and numpy, and Swish) keep the payload
            // (0x7e00 -> 0x7fc00000).
            let got = bitPatterns(t).enumerated().map { i, b in
                i < bits.count && Float(bitPattern: bits[i]).isNaN && Float(bitPattern: b).isNaN ? bits[i] : b
            }
            #expect(got == bits, "bits of \(name) (\(e["dtype"] ?? ""))")
        }
    }

    @Test func integerDtypeIsAFormatErrorNamingIt() throws {
        #expect {
            try Safetensors.decode(try fixtureBytes("st_int64"))
        } throws: { error in
            guard case SwishError.format(let m) = error else { return false }
            return m.contains("'index'") && m.contains("I64") && m.contains("does not load")
        }
    }

    @Test func reencodingAPythonFileGivesTheSameBytes() throws {
        let original = try fixtureBytes("st_python_f32")
        let contents = try Safetensors.decode(original)
        #expect(contents.tensors.count == 11)
        #expect(contents["eight_d"]?.shape == [1, 2, 1, 1, 2, 1, 1, 2])
        #expect(contents["empty"]?.shape == [0, 3])
        #expect(contents["scalar"]?.shape == .scalar)
        #expect(contents["quote\"back\\slash/\nnl\tcontrol\u{1}\u{7f}"] != nil)
        let reencoded = try Safetensors.encode(contents.tensors, metadata: contents.metadata)
        #expect(reencoded == original)
    }

    /// `y = x @ w.T + b` from the loaded tensors.
    func linear(_ x: Tensor, _ weights: Safetensors.Contents, _ prefix: String) throws -> Tensor {
        let w = try #require(weights["\(prefix).weight"], "\(prefix).weight")
        let b = try #require(weights["\(prefix).bias"], "\(prefix).bias")
        return x.matmul(w.t()) + b
    }

    @Test func seedMLPReproducesPyTorch() throws {
        let weights = try Safetensors.decode(try fixtureBytes("mlp"))
        #expect(weights.tensors.map(\.name) == ["hidden.bias", "hidden.weight", "out.bias", "out.weight"])
        #expect(weights["hidden.weight"]?.shape == [256, 20])
        let io = try Safetensors.decode(try fixtureBytes("mlp_io"))
        let x = try #require(io["X"]), y = try #require(io["Y"])
        let out = try linear(try linear(x, weights, "hidden").relu(), weights, "out")
        expectClose(out, y.scalars, shape: [2, 10], atol: 1e-5, rtol: 0, "MLP output")
    }

    @Test func tiedNetFromSaveModelReproducesPyTorch() throws {
        let weights = try Safetensors.decode(try fixtureBytes("tied"))
        // save_model keeps one copy of the shared layer and records the dropped names as aliases.
        #expect(weights["4.weight"] == nil)
        #expect(weights.metadata == ["4.weight": "2.weight", "4.bias": "2.bias"])
        let io = try Safetensors.decode(try fixtureBytes("tied_io"))
        var h = try linear(try #require(io["X"]), weights, "0").relu()
        h = try linear(h, weights, "2").relu()
        let aliased = try #require(weights.metadata["4.weight"]).replacingOccurrences(of: ".weight", with: "")
        h = try linear(h, weights, aliased).relu()
        let out = try linear(h, weights, "6")
        expectClose(out, try #require(io["Y"]).scalars, shape: [2, 1], atol: 1e-5, rtol: 0, "tied net output")
    }

    @Test func chimeraReproducesPyTorch() throws {
        let weights = try Safetensors.decode(try fixtureBytes("chimera"))
        #expect(
            weights.tensors.map(\.name).sorted() == [
                "0.linear.bias", "0.linear.weight", "0.net.0.bias", "0.net.0.weight", "0.net.2.bias",
                "0.net.2.weight", "1.bias", "1.weight", "2.linear.bias", "2.linear.weight",
            ])
        let io = try Safetensors.decode(try fixtureBytes("chimera_io"))
        // NestMLP, then Linear(16, 20), then FixedHiddenMLP (rand_weight is not in the state dict).
        var h = try linear(try #require(io["X"]), weights, "0.net.0").relu()
        h = try linear(h, weights, "0.net.2").relu()
        h = try linear(h, weights, "0.linear")
        h = try linear(h, weights, "1")
        h = try linear(h, weights, "2.linear")
        h = (h.matmul(try #require(io["rand_weight"])) + 1).relu()
        h = try linear(h, weights, "2.linear")
        while h.abs().sum().item() > 1 { h = h / 2 }
        let out = h.sum()
        expectClose(out, try #require(io["Y"]).scalars, shape: [], atol: 1e-5, rtol: 0, "chimera output")
    }
}

@Suite struct SafetensorsFileTests {
    @Test func saveThenLoad() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("model.safetensors").path
        let w = Tensor.randn([3, 5], generator: Generator(seed: 3))
        try Safetensors.save([("w", w), ("b", Tensor([1, 2, 3]))], metadata: ["epoch": "3"], to: path)
        let back = try Safetensors.load(from: path)
        #expect(back.tensors.map(\.name) == ["b", "w"])
        #expect(back.metadata == ["epoch": "3"])
        #expect(bitPatterns(back["w"]!) == bitPatterns(w))
        // The file holds exactly what encode gives.
        let onDisk = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(onDisk == (try Safetensors.encode([("w", w), ("b", Tensor([1, 2, 3]))], metadata: ["epoch": "3"])))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"])
    }

    @Test func saveReplacesAnExistingFileAndKeepsItsPermissions() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("m.safetensors").path
        try Safetensors.save([("a", Tensor([1]))], to: path)
        chmod(path, 0o600)
        try Safetensors.save([("a", Tensor([2])), ("b", Tensor([3]))], to: path)
        let back = try Safetensors.load(from: path)
        #expect(back["a"]?.scalars == [2])
        #expect(back["b"]?.scalars == [3])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    /// Saves `old`, then runs `failingSave`, which must throw; the old file must be byte-for-byte intact
    /// and no temporary file may be left in the folder.
    func expectFailedSaveLeavesOldFile(
        _ failingSave: (String) throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> SwishError? {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("old.safetensors").path
        try Safetensors.save([("kept", Tensor([1, 2, 3]))], metadata: ["v": "old"], to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        var caught: SwishError? = nil
        do {
            try failingSave(path)
            Issue.record("the save did not fail", sourceLocation: sourceLocation)
        } catch let e as SwishError {
            caught = e
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, sourceLocation: sourceLocation)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["old.safetensors"],
            "a temporary file was left behind", sourceLocation: sourceLocation)
        return caught
    }

    @Test func failedWriteLeavesTheOldFileAndNoTemporaryFile() throws {
        // The body writes part of a file and then fails, as a full disk would.
        let error = try expectFailedSaveLeavesOldFile { path in
            try _AtomicFile.write(to: path) { file in
                try [UInt8](repeating: 7, count: 1000).withUnsafeBytes { try file.write($0) }
                throw SwishError.io("simulated: no space left on device")
            }
        }
        #expect(error == .io("simulated: no space left on device"))
    }

    @Test func invalidTensorsFailBeforeTouchingTheFile() throws {
        let error = try expectFailedSaveLeavesOldFile { path in
            try Safetensors.save([("x", Tensor([1])), ("x", Tensor([2]))], to: path)
        }
        #expect(error == .invalidArgument("two tensors are named 'x'; names must be unique"))
    }

    @Test func failedRenameLeavesNoTemporaryFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // The target is a folder that is not empty, so rename(2) fails after the data was written.
        let target = folder.appendingPathComponent("dir.safetensors")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        try Data([1]).write(to: target.appendingPathComponent("inside"))
        #expect {
            try Safetensors.save([("a", Tensor([1]))], to: target.path)
        } throws: { error in
            guard case SwishError.io(let m) = error else { return false }
            return m.contains("cannot rename") && m.contains(target.path)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["dir.safetensors"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.path) == ["inside"])
    }

    @Test func ioErrorsNameThePath() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("missing.safetensors").path
        #expect(throws: SwishError.io("cannot open '\(missing)' for reading: No such file or directory")) {
            try Safetensors.load(from: missing)
        }
        #expect(throws: SwishError.io("'\(folder.path)' is not a regular file")) {
            try Safetensors.load(from: folder.path)
        }
        let noFolder = folder.appendingPathComponent("no/such/folder/m.safetensors").path
        #expect {
            try Safetensors.save([("a", Tensor([1]))], to: noFolder)
        } throws: { error in
            guard case SwishError.io(let m) = error else { return false }
            return m.contains("cannot create a temporary file") && m.contains("No such file or directory")
        }
        #expect {
            try Safetensors.save([("a", Tensor([1]))], to: folder.path + "/")
        } throws: { error in
            guard case SwishError.io(let m) = error else { return false }
            return m.contains("names a folder")
        }
    }

    @Test func loadReadsFixtureFilesLikeDecode() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/st_dtypes", withExtension: "safetensors"))
        let loaded = try Safetensors.load(from: url.path)
        let decoded = try Safetensors.decode(try fixtureBytes("st_dtypes"))
        #expect(loaded.tensors.map(\.name) == decoded.tensors.map(\.name))
        for (a, b) in zip(loaded.tensors, decoded.tensors) { #expect(bitPatterns(a.tensor) == bitPatterns(b.tensor)) }
        #expect(loaded.metadata == decoded.metadata)
    }
}
