import Foundation
import Testing

@testable import Swish

// Interop with the real Python `safetensors` package, numpy flavour (no torch needed), run live:
// Swish writes a file that Python reads, and Python writes a file that Swish reads; the test compares
// names, shapes, dtypes and float32 bit patterns.
//
// It needs `python3` with `numpy` and `safetensors` (`pip install safetensors numpy`). Without them the
// tests are skipped, with the reason shown by `swift test`; set SWISH_REQUIRE_PYTHON_INTEROP=1 (as CI
// should) to make a missing Python a failure instead. SWISH_PYTHON picks the interpreter.

enum PythonSafetensors {
    static let environment = ProcessInfo.processInfo.environment
    static let interpreter = environment["SWISH_PYTHON"] ?? "python3"
    static let isRequired = environment["SWISH_REQUIRE_PYTHON_INTEROP"] == "1"

    /// Why Python cannot be used, or nil when `numpy` and `safetensors` import.
    static let unavailableReason: String? = {
        let probe = run(["-c", "import numpy, safetensors.numpy"])
        return probe.status == 0 ? nil : "\(interpreter) cannot import numpy and safetensors: \(probe.stderr)"
    }()

    static var shouldRun: Bool { unavailableReason == nil || isRequired }

    /// Runs the interpreter with `arguments`; stdout is not captured (scripts write their results to a
    /// file), stderr is returned for messages.
    static func run(_ arguments: [String]) -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [interpreter] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch { return (-1, "cannot start \(interpreter): \(error)") }
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    /// Runs `script` with `arguments` and returns the JSON object it wrote to the path given as its last
    /// argument.
    static func runScript(_ script: String, _ arguments: [String], folder: URL) throws -> [String: Any] {
        if let reason = unavailableReason {
            throw FixtureError("SWISH_REQUIRE_PYTHON_INTEROP=1 but \(reason)")
        }
        let output = folder.appendingPathComponent("result.json")
        let result = run(["-c", script] + arguments + [output.path])
        guard result.status == 0 else { throw FixtureError("python failed (\(result.status)): \(result.stderr)") }
        let data = try Data(contentsOf: output)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError("python wrote something that is not a JSON object")
        }
        return object
    }
}

/// Reads a safetensors file with the numpy flavour and describes every tensor as dtype, shape and the
/// float32 bit patterns of its values.
private let readWithNumpy = """
    import json, sys
    import numpy as np
    from safetensors import safe_open
    from safetensors.numpy import load_file
    path, out = sys.argv[1], sys.argv[2]
    tensors = load_file(path)
    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata()
    described = {
        name: {"dtype": str(a.dtype), "shape": list(a.shape), "bits": a.reshape(-1).view(np.uint32).tolist()}
        for name, a in tensors.items()
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"metadata": metadata, "tensors": described}, f, ensure_ascii=False)
    """

/// Writes a file of F16, F32 and F64 tensors with the numpy flavour, and describes the float32 values
/// numpy's own conversion gives (IEEE, like Swish's).
private let writeWithNumpy = """
    import json, sys
    import numpy as np
    from safetensors.numpy import save_file
    path, out = sys.argv[1], sys.argv[2]
    inf, nan = np.inf, np.nan
    tensors = {
        "f16": np.array([0.0, -0.0, 2.0**-24, 2.0**-14, 65504, inf, -inf, nan, 1 / 3, -2.5], np.float16).reshape(2, 5),
        "f32": np.array([[1.5, -2.0], [2.0**-149, nan]], np.float32),
        "f64": np.array([1 / 3, 1e-40, 1e39, -1e-50, nan, 2.0**-149, 0.1, -inf], np.float64).reshape(2, 2, 2),
        "f64_scalar": np.array(0.1, np.float64),
        "f16_empty": np.zeros((2, 0), np.float16),
        "名前.weight": np.arange(6, dtype=np.float32).reshape(3, 2),
    }
    metadata = {"writer": "numpy ✓", "format": "np"}
    save_file(tensors, path, metadata=metadata)
    with np.errstate(over="ignore"):
        described = {
            name: {"shape": list(a.shape), "bits": a.astype(np.float32).reshape(-1).view(np.uint32).tolist()}
            for name, a in tensors.items()
        }
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"metadata": metadata, "tensors": described}, f, ensure_ascii=False)
    """

@Suite(
    .enabled(
        if: PythonSafetensors.shouldRun,
        "python3 with numpy and safetensors is not installed (pip install safetensors numpy); SWISH_REQUIRE_PYTHON_INTEROP=1 makes this a failure"
    ))
struct SafetensorsPythonInteropTests {
    @Test func swishFileReadsInPythonWithNamesShapesDtypesAndValues() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("swish.safetensors").path
        let tensors: [Safetensors.NamedTensor] = [
            ("hidden.weight", Tensor.randn([4, 3], generator: Generator(seed: 11))),
            ("hidden.bias", Tensor([0.5, -0.25, 0, -0.0])),
            ("scalar", Tensor(-1.5)),
            ("empty", Tensor.zeros([0, 4])),
            ("eight_d", Tensor((0..<32).map { Float($0) / 7 }, shape: [2, 1, 2, 1, 2, 1, 2, 2])),
            ("special", Tensor([.infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude])),
            ("ünïcødé/名前\n\"q\"", Tensor([1, 2, 3])),
        ]
        let metadata = ["format": "pt", "epoch": "12", "note": "Swish ✓ \"quoted\" \\ \n"]
        try Safetensors.save(tensors, metadata: metadata, to: path)

        let seen = try PythonSafetensors.runScript(readWithNumpy, [path], folder: folder)
        #expect((seen["metadata"] as? [String: String]) == metadata)
        let described = try #require(seen["tensors"] as? [String: [String: Any]])
        #expect(Set(described.keys) == Set(tensors.map(\.name)))
        for (name, t) in tensors {
            let d = try #require(described[name], "python did not see '\(name)'")
            #expect(d["dtype"] as? String == "float32", "dtype of \(name)")
            #expect(d["shape"] as? [Int] == t.shape.array, "shape of \(name)")
            #expect((d["bits"] as? [Int])?.map { UInt32($0) } == bitPatterns(t), "values of \(name)")
        }
    }

    @Test func numpyFileReadsInSwishWithNumpysConversions() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("numpy.safetensors").path
        let expected = try PythonSafetensors.runScript(writeWithNumpy, [path], folder: folder)
        let contents = try Safetensors.load(from: path)
        #expect(contents.metadata == (expected["metadata"] as? [String: String]))
        let described = try #require(expected["tensors"] as? [String: [String: Any]])
        #expect(Set(contents.tensors.map(\.name)) == Set(described.keys))
        for (name, d) in described {
            let t = try #require(contents[name], "Swish did not read '\(name)'")
            #expect(t.shape.array == d["shape"] as? [Int], "shape of \(name)")
            #expect(bitPatterns(t) == (d["bits"] as? [Int])?.map { UInt32($0) }, "values of \(name)")
        }
    }
}
