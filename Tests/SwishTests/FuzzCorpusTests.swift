import Foundation
import Testing

@testable import Swish

// The fuzzers' committed inputs as ordinary tests: every file of the safetensors fuzzer's seed corpus
// (fuzz/corpus/safetensors) and of its regression inputs (fuzz/regressions/safetensors, one file per
// crash a fuzzer ever found) must decode or be refused with a SwishError other than .internal, and what
// decodes must survive encode + decode bit for bit: the same rules fuzz/safetensors_fuzzer.swift checks.
//
// Setting SWISH_WRITE_FUZZ_SEEDS=1 makes the suite first (re)write the seed files it derives from the
// Swift tests: the malformed cases of SafetensorsMalformedTests and the small valid fixtures.

/// The repository's root, from this file's path (Tests/SwishTests/FuzzCorpusTests.swift).
private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

private func files(in folder: String) -> [URL] {
    let url = repositoryRoot.appendingPathComponent(folder)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
    return names.filter { !$0.hasPrefix(".") }.sorted().map { url.appendingPathComponent($0) }
}

/// A file name from a case name: lower case letters, digits and dashes.
private func slug(_ name: String) -> String {
    String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
}

private func writeSeedsIfAsked() throws {
    guard ProcessInfo.processInfo.environment["SWISH_WRITE_FUZZ_SEEDS"] == "1" else { return }
    let folder = repositoryRoot.appendingPathComponent("fuzz/corpus/safetensors")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for c in malformedCases {
        try Data(c.bytes).write(to: folder.appendingPathComponent("malformed-" + slug(c.name)))
    }
    let fixtures = repositoryRoot.appendingPathComponent("Tests/SwishTests/Fixtures")
    for name in ["st_python_f32", "st_int64", "st_dtypes", "tied", "tied_io", "mlp_io", "chimera_io"] {
        let source = fixtures.appendingPathComponent(name + ".safetensors")
        try Data(contentsOf: source).write(to: folder.appendingPathComponent("valid-" + slug(name)))
    }
}

/// Decodes `bytes` under the fuzzer's rules; returns a description of the broken rule, or nil.
private func brokenRule(_ bytes: [UInt8]) -> String? {
    let contents: Safetensors.Contents
    do {
        contents = try Safetensors.decode(bytes)
    } catch let error as SwishError {
        if case .internal = error { return "internal error: \(error)" }
        return error.message.isEmpty ? "an error without a message" : nil
    } catch {
        return "not a SwishError: \(error)"
    }
    do {
        let again = try Safetensors.decode(try Safetensors.encode(contents.tensors, metadata: contents.metadata))
        guard again.metadata == contents.metadata, again.tensors.count == contents.tensors.count else {
            return "the round trip changed the metadata or the tensor count"
        }
        for a in contents.tensors {  // by name: encode may order the tensors its own way
            guard let b = again[a.name], a.tensor.shape == b.shape else {
                return "the round trip lost '\(a.name)' or changed its shape"
            }
            let (x, y) = (a.tensor.scalars, b.scalars)
            if let i = x.indices.first(where: { x[$0].bitPattern != y[$0].bitPattern }) {
                return "the round trip changed element \(i) of '\(a.name)' from \(x[i]) "
                    + "(0x\(String(x[i].bitPattern, radix: 16))) to \(y[i]) (0x\(String(y[i].bitPattern, radix: 16)))"
            }
        }
    } catch {
        return "the round trip failed: \(error)"
    }
    return nil
}

@Suite("Fuzz corpus")
struct FuzzCorpusTests {
    @Test func safetensorsSeedCorpusAndRegressionsDecodeOrAreRefused() throws {
        try writeSeedsIfAsked()
        let inputs = files(in: "fuzz/corpus/safetensors") + files(in: "fuzz/regressions/safetensors")
        // The seeds include every malformed case and the valid fixtures; a missing folder is a failure.
        #expect(inputs.count >= malformedCases.count)
        var decoded = 0
        for url in inputs {
            let bytes = [UInt8](try Data(contentsOf: url))
            if let problem = brokenRule(bytes) { Issue.record("\(url.lastPathComponent): \(problem)") }
            if (try? Safetensors.decode(bytes)) != nil { decoded += 1 }
        }
        // The valid fixtures except st_int64 (integer dtypes are refused by design).
        #expect(decoded >= 6, "the valid seed files decode")
    }
}
