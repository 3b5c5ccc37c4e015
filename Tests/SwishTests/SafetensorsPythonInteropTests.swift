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

@Suite(
    .enabled(
        if: PythonSafetensors.shouldRun,
        "python3 with numpy and safetensors is not installed (pip install safetensors numpy); SWISH_REQUIRE_PYTHON_INTEROP=1 makes this a failure"
    ))
struct SafetensorsPythonModelInteropTests {
    /// A Swish model's file, read by the numpy flavour: exactly the state dict's keys (tied ones twice),
    /// shapes, float32 and the values bit for bit, and the metadata; then the optimizer's file.
    @Test func swishModelAndOptimizerFilesReadInPython() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let net = tiedNet(generator: Generator(seed: 8))
        let path = folder.appendingPathComponent("tied.safetensors").path
        try net.save(to: path, metadata: ["epoch": "4", "format": "pt"])

        let seen = try PythonSafetensors.runScript(readWithNumpy, [path], folder: folder)
        #expect((seen["metadata"] as? [String: String]) == ["epoch": "4", "format": "pt"])
        let described = try #require(seen["tensors"] as? [String: [String: Any]])
        let sd = net.stateDict()
        #expect(Set(described.keys) == Set(sd.keys))
        #expect(described.count == 8, "2.* and 4.* both present")
        for (key, t) in sd {
            let d = try #require(described[key], "python did not see '\(key)'")
            #expect(d["dtype"] as? String == "float32", "dtype of \(key)")
            #expect(d["shape"] as? [Int] == t.shape.array, "shape of \(key)")
            #expect((d["bits"] as? [Int])?.map { UInt32($0) } == bitPatterns(t), "values of \(key)")
        }

        let opt = try Adam(net.parameters(), learningRate: 0.01)
        mseLoss(net(Tensor.rand([3, 4], generator: Generator(seed: 2))), Tensor.zeros([3, 1])).backward()
        opt.step()
        let optPath = folder.appendingPathComponent("adam.safetensors").path
        try opt.save(to: optPath, module: net)
        let state = try PythonSafetensors.runScript(readWithNumpy, [optPath], folder: folder)
        let metadata = try #require(state["metadata"] as? [String: String])
        #expect(metadata["optimizer"] == "Adam" && metadata["state.2.weight.step"] == "1" && metadata["lr"] != nil)
        let buffers = try #require(state["tensors"] as? [String: [String: Any]])
        #expect(buffers.count == 12, "exp_avg and exp_avg_sq of 6 distinct parameters")
        let m = try #require(opt.stateSnapshot()[2]?.buffers["exp_avg"])
        #expect((buffers["state.2.weight.exp_avg"]?["bits"] as? [Int])?.map { UInt32($0) } == bitPatterns(m))
    }
}

extension PythonSafetensors {
    /// Whether the interpreter can import torch and safetensors.torch (never required: CI has no torch).
    static let torchAvailable = run(["-c", "import torch, safetensors.torch"]).status == 0
}

/// Builds the PyTorch model `kind`, loads a Swish file into it with load_state_dict(load_file(f))
/// (strict), runs it on the io file's X and reports the largest difference from Swish's Y.
private let loadIntoTorch = """
    import json, sys
    import torch
    from torch import nn
    from torch.nn import functional as F
    from safetensors.torch import load_file
    kind, model_path, io_path, out = sys.argv[1:5]
    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(20, 256)
            self.out = nn.Linear(256, 10)
        def forward(self, X):
            return self.out(F.relu(self.hidden(X)))
    if kind == "tied":
        shared = nn.Linear(8, 8)
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.Linear(8, 1))
    else:
        model = MLP()
    result = model.load_state_dict(load_file(model_path))
    io = load_file(io_path)
    with torch.no_grad():
        y = model(io["X"])
    report = {"max_diff": (y - io["Y"]).abs().max().item(), "missing": result.missing_keys,
              "unexpected": result.unexpected_keys}
    if kind == "tied":
        report["tied"] = model[2].weight is model[4].weight
    with open(out, "w") as f:
        json.dump(report, f)
    """

/// Runs only where torch is installed (by hand, next to Tests/generate): Swish's files load into the
/// equivalent PyTorch models with `load_state_dict(load_file(f))` and give Swish's outputs.
@Suite(.enabled(if: PythonSafetensors.torchAvailable, "torch is not installed (optional: CI never needs it)"))
struct SafetensorsTorchInteropTests {
    @Test(arguments: ["tied", "mlp"])
    func swishFileLoadsIntoPyTorchWithLoadStateDict(_ kind: String) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let net: Module = kind == "tied" ? tiedNet(generator: Generator(seed: 12)) : SeedNets.MLP()
        let x = Tensor.rand([3, kind == "tied" ? 4 : 20], generator: Generator(seed: 13))
        let y = net(x)
        let model = folder.appendingPathComponent("model.safetensors").path
        let io = folder.appendingPathComponent("io.safetensors").path
        try net.save(to: model)
        try Safetensors.save([("X", x), ("Y", y)], to: io)
        let report = try PythonSafetensors.runScript(loadIntoTorch, [kind, model, io], folder: folder)
        #expect((report["missing"] as? [String]) == [] && (report["unexpected"] as? [String]) == [])
        let diff = try #require(report["max_diff"] as? Double)
        #expect(diff <= 1e-5, "PyTorch's output differs from Swish's by \(diff)")
        if kind == "tied" { #expect(report["tied"] as? Bool == true) }
    }
}
