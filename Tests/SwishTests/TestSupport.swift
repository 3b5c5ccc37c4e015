import Foundation
import Testing

@testable import Swish

// Helpers shared by every test file: tolerant comparison, finite-difference gradient checks and the
// PyTorch fixtures written by Tests/generate/*.py.

/// Whether `a` and `b` agree elementwise within `atol + rtol * |b|` (NaN equals NaN, inf equals inf).
func close(_ a: [Float], _ b: [Float], atol: Float = 1e-5, rtol: Float = 1e-5) -> Bool {
    guard a.count == b.count else { return false }
    for (x, y) in zip(a, b) {
        if x.isNaN || y.isNaN {
            if x.isNaN != y.isNaN { return false }  // |x - NaN| > tol is false, so check NaN first
            continue
        }
        if x.isInfinite || y.isInfinite {
            if x != y { return false }
            continue
        }
        if Swift.abs(x - y) > atol + rtol * Swift.abs(y) { return false }
    }
    return true
}

/// Expects `t` to have `shape` and values close to `expected`, reporting the first difference.
func expectClose(
    _ t: Tensor, _ expected: [Float], shape: [Int]? = nil, atol: Float = 1e-5, rtol: Float = 1e-5,
    _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    if let shape {
        #expect(t.shape.array == shape, "\(what): shape", sourceLocation: sourceLocation)
    }
    let got = t.scalars
    guard got.count == expected.count else {
        Issue.record("\(what): \(got.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    if !close(got, expected, atol: atol, rtol: rtol) {
        let i = zip(got, expected).enumerated().first { !close([$0.element.0], [$0.element.1], atol: atol, rtol: rtol) }!.offset
        Issue.record(
            "\(what): element \(i) is \(got[i]), expected \(expected[i]) (atol \(atol), rtol \(rtol))",
            sourceLocation: sourceLocation)
    }
}

/// Checks the analytic gradients of `f` at `inputs` against central finite differences.
///
/// The output is reduced to a scalar with fixed pseudo-random weights so every output element matters.
/// Differences are taken in float32 with step `eps`, so tolerances are loose (1e-2 by default); choose
/// inputs away from kinks (relu at 0, abs at 0, clamp bounds, max ties).
func gradcheck(
    _ inputs: [Tensor], eps: Float = 1e-2, atol: Float = 1e-2, rtol: Float = 1e-2,
    sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) -> Tensor
) {
    for x in inputs {
        x.zeroGrad()
        x.requiresGrad = true
    }
    let probe = f(inputs)
    let weights = Tensor((0..<probe.numel).map { Float(($0 * 7919) % 13) / 13 - 0.4 }, shape: probe.shape)
    func loss() -> Double {
        let y = withNoGrad { f(inputs) }
        return zip(y.scalars, weights.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    let l = (probe * weights).sum()
    l.backward()
    for (k, x) in inputs.enumerated() {
        let analytic = x.grad?.scalars ?? [Float](repeating: 0, count: x.numel)
        var numeric = [Float](repeating: 0, count: x.numel)
        x.withUnsafeMutableBufferPointer { p in
            for j in 0..<p.count {
                let old = p[j]
                p[j] = old + eps
                let plus = loss()
                p[j] = old - eps
                let minus = loss()
                p[j] = old
                numeric[j] = Float((plus - minus) / (2 * Double(eps)))
            }
        }
        if !close(analytic, numeric, atol: atol, rtol: rtol) {
            Issue.record(
                "gradcheck input \(k): analytic \(analytic) vs numeric \(numeric)", sourceLocation: sourceLocation)
        }
    }
}

/// A JSON fixture file from Tests/SwishTests/Fixtures, written by a script in Tests/generate.
struct Fixture {
    let root: [String: Any]

    init(_ name: String) throws {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json") else {
            throw FixtureError("fixture \(name).json is missing; run Tests/generate")
        }
        let data = try Data(contentsOf: url)
        guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError("fixture \(name).json is not a JSON object")
        }
        root = obj
    }

    init(object: [String: Any]) { root = object }

    subscript(key: String) -> Any? { root[key] }

    /// A nested object.
    func child(_ key: String) throws -> Fixture {
        guard let o = root[key] as? [String: Any] else { throw FixtureError("no object '\(key)'") }
        return Fixture(object: o)
    }

    /// A tensor stored as {"shape": [...], "data": [...]} (data flattened row-major; "nan", "inf" allowed).
    func tensor(_ key: String) throws -> Tensor {
        guard let o = root[key] as? [String: Any] else { throw FixtureError("no tensor '\(key)'") }
        return try Fixture.tensor(from: o)
    }

    static func tensor(from o: [String: Any]) throws -> Tensor {
        guard let shape = o["shape"] as? [Int], let raw = o["data"] as? [Any] else {
            throw FixtureError("a tensor needs 'shape' and 'data'")
        }
        let data: [Float] = try raw.map { v in
            if let d = v as? Double { return Float(d) }
            if let s = v as? String {
                switch s {
                case "nan": return .nan
                case "inf": return .infinity
                case "-inf": return -.infinity
                default: break
                }
            }
            throw FixtureError("bad number \(v)")
        }
        return Tensor(data, shape: Shape(shape))
    }

    func floats(_ key: String) throws -> [Float] { try tensor(key).scalars }

    func string(_ key: String) throws -> String {
        guard let s = root[key] as? String else { throw FixtureError("no string '\(key)'") }
        return s
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
