// safetensors_fuzzer: the safetensors reader (`Safetensors.decode`) on arbitrary bytes.
//
// Every input must either decode or throw a SwishError other than `.internal` (which would be Swish's
// own bug by its definition); a trap, a memory error (AddressSanitizer) or a hang is a finding. What
// decodes must survive a round trip: encoding the tensors and metadata again and decoding that gives the
// same names, shapes, metadata and bit-identical values. A broken rule ends the process with
// fatalError, which libFuzzer reports with the input.
//
// Built by scripts/fuzz.sh with -sanitize=fuzzer,address against the engine built the same way. The
// committed corpus (fuzz/corpus/safetensors) holds valid files and the malformed cases of the Swift tests;
// Tests/SwishTests/FuzzCorpusTests.swift decodes every file of it, and of fuzz/regressions/safetensors,
// in the ordinary `swift test`.
import Swish

@_cdecl("LLVMFuzzerTestOneInput")
public func safetensorsFuzzTest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    let contents: Safetensors.Contents
    do {
        contents = try Safetensors.decode(bytes)
    } catch let error as SwishError {
        if case .internal = error { fatalError("decode reported an internal error: \(error)") }
        if error.message.isEmpty { fatalError("decode threw an error without a message") }
        return 0
    } catch {
        fatalError("decode threw something other than a SwishError: \(error)")
    }
    let again: Safetensors.Contents
    do {
        again = try Safetensors.decode(try Safetensors.encode(contents.tensors, metadata: contents.metadata))
    } catch {
        fatalError("a decoded file does not survive encode and decode: \(error)")
    }
    guard again.metadata == contents.metadata, again.tensors.count == contents.tensors.count else {
        fatalError("the round trip changed the metadata or the number of tensors")
    }
    for a in contents.tensors {  // by name: encode may order the tensors its own way
        guard let b = again[a.name], a.tensor.shape == b.shape,
            a.tensor.scalars.map(\.bitPattern) == b.scalars.map(\.bitPattern)
        else { fatalError("the round trip changed tensor '\(a.name)'") }
    }
    return 0
}
