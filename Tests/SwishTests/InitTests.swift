import Foundation
import Testing

@testable import Swish

// nn.init: the laws of each initializer checked statistically on large tensors (mean, standard
// deviation, bounds), gains and fans against PyTorch's values, PyTorch's default Linear init, errors.

/// min, max, mean and standard deviation of a tensor's values (accumulated in Double).
private func stats(_ t: Tensor) -> (min: Float, max: Float, mean: Double, std: Double) {
    let v = t.scalars
    let mean = v.reduce(0.0) { $0 + Double($1) } / Double(v.count)
    let variance = v.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(v.count)
    return (v.min()!, v.max()!, mean, variance.squareRoot())
}

/// Expects the values of `t` to follow U(-bound, bound): inside the bounds, reaching close to both ends,
/// mean 0 and standard deviation bound / sqrt(3) within 4 standard errors.
private func expectUniform(_ t: Tensor, bound: Double, sourceLocation: SourceLocation = #_sourceLocation) {
    let s = stats(t)
    let n = Double(t.numel), std = bound / 3.0.squareRoot()
    #expect(Double(s.min) >= -bound && Double(s.max) <= bound, "range [\(s.min), \(s.max)], bound \(bound)", sourceLocation: sourceLocation)
    #expect(Double(s.max) > 0.999 * bound && Double(s.min) < -0.999 * bound, "does not reach the bounds", sourceLocation: sourceLocation)
    #expect(Swift.abs(s.mean) < 4 * std / n.squareRoot(), "mean \(s.mean)", sourceLocation: sourceLocation)
    // The sample standard deviation of n uniform values has relative standard error about 0.45 / sqrt(n).
    #expect(Swift.abs(s.std / std - 1) < 4 * 0.45 / n.squareRoot(), "std \(s.std), expected \(std)", sourceLocation: sourceLocation)
}

/// Expects N(mean, std²): mean and standard deviation within 4 standard errors.
private func expectNormal(_ t: Tensor, mean: Double, std: Double, sourceLocation: SourceLocation = #_sourceLocation) {
    let s = stats(t)
    let n = Double(t.numel)
    #expect(Swift.abs(s.mean - mean) < 4 * std / n.squareRoot(), "mean \(s.mean), expected \(mean)", sourceLocation: sourceLocation)
    // For normal samples the relative standard error of the standard deviation is 1 / sqrt(2n).
    #expect(Swift.abs(s.std / std - 1) < 4 / (2 * n).squareRoot(), "std \(s.std), expected \(std)", sourceLocation: sourceLocation)
}

@Suite struct InitLaws {
    let g = Generator(seed: 42)

    @Test func uniformAndNormal() {
        let t = Tensor.zeros([400, 500])
        Init.uniform_(t, a: -3, b: 1, generator: g)
        let s = stats(t)
        #expect(s.min >= -3 && s.max < 1 && s.max > 0.999 && s.min < -2.999)
        #expect(Swift.abs(s.mean - -1) < 4 * (4 / 12.0.squareRoot()) / 200_000.0.squareRoot())
        Init.normal_(t, mean: 2, std: 0.5, generator: g)
        expectNormal(t, mean: 2, std: 0.5)
        Init.constant_(t, 7)
        #expect(t.scalars.allSatisfy { $0 == 7 })
        Init.zeros_(t)
        #expect(t.scalars.allSatisfy { $0 == 0 })
        Init.ones_(t)
        #expect(t.scalars.allSatisfy { $0 == 1 })
    }

    @Test func xavier() {
        // [fan_out, fan_in] = [300, 500]
        let t = Tensor.zeros([300, 500])
        Init.xavierUniform_(t, generator: g)
        expectUniform(t, bound: (6.0 / 800).squareRoot())
        Init.xavierUniform_(t, gain: 2, generator: g)
        expectUniform(t, bound: 2 * (6.0 / 800).squareRoot())
        Init.xavierNormal_(t, gain: 1.5, generator: g)
        expectNormal(t, mean: 0, std: 1.5 * (2.0 / 800).squareRoot())
    }

    @Test func kaiming() {
        let t = Tensor.zeros([256, 512])
        // Defaults: a = 0, fan_in, leaky_relu -> gain sqrt(2), bound sqrt(6 / fan_in).
        Init.kaimingUniform_(t, generator: g)
        expectUniform(t, bound: (6.0 / 512).squareRoot())
        Init.kaimingUniform_(t, mode: .fanOut, nonlinearity: .relu, generator: g)
        expectUniform(t, bound: (6.0 / 256).squareRoot())
        Init.kaimingUniform_(t, a: 0.2, nonlinearity: .leakyRelu, generator: g)
        expectUniform(t, bound: (2.0 / 1.04).squareRoot() * (3.0 / 512).squareRoot())
        Init.kaimingNormal_(t, mode: .fanIn, nonlinearity: .relu, generator: g)
        expectNormal(t, mean: 0, std: (2.0 / 512).squareRoot())
        Init.kaimingNormal_(t, mode: .fanOut, nonlinearity: .tanh, generator: g)
        expectNormal(t, mean: 0, std: 5.0 / 3 / 256.0.squareRoot())
        // A 4-d (convolution-shaped) weight: fan_in = in * kh * kw.
        let conv = Tensor.zeros([64, 16, 5, 5])
        Init.kaimingNormal_(conv, nonlinearity: .relu, generator: g)
        expectNormal(conv, mean: 0, std: (2.0 / 400).squareRoot())
        // An empty tensor is left as is (PyTorch: "Initializing zero-element tensors is a no-op").
        #expect(Init.kaimingUniform_(Tensor.zeros([0, 4])).numel == 0)
        #expect(Init.xavierUniform_(Tensor.zeros([0, 0])).numel == 0)
    }

    @Test func gainsAndFansMatchPyTorch() throws {
        let f = try Fixture("modules")
        let gains = try f.child("gains")
        let cases: [(String, Nonlinearity, Float?)] = [
            ("linear", .linear, nil), ("conv2d", .conv2d, nil), ("sigmoid", .sigmoid, nil), ("tanh", .tanh, nil),
            ("relu", .relu, nil), ("leaky_relu", .leakyRelu, nil), ("selu", .selu, nil), ("leaky_relu_0.2", .leakyRelu, 0.2),
        ]
        for (name, n, param) in cases {
            let expected = (gains[name] as? Double).map { Float($0) }
            #expect(Init.calculateGain(n, param: param) == expected, "gain of \(name)")
        }
        for (shape, fans) in try f.child("fans").root {
            let dims = shape.dropFirst().dropLast().split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! }
            let (fanIn, fanOut) = Init.calculateFanInAndFanOut(Tensor.zeros(Shape(dims)))
            #expect([fanIn, fanOut] == fans as? [Int], "fans of \(shape)")
        }
    }

    @Test func linearDefaultInitIsPyTorchs() {
        // weight and bias uniform in +-1/sqrt(in_features)
        let layer = Linear(400, 300, generator: g)
        expectUniform(layer.weight, bound: 1 / 400.0.squareRoot())
        let b = stats(layer.bias!)
        #expect(b.min >= -0.05 && b.max <= 0.05 && b.max - b.min > 0.09)
        // ... also when a LazyLinear creates them
        let lazy = LazyLinear(300, generator: g)
        _ = lazy(Tensor.zeros([1, 100]))
        expectUniform(lazy.weight, bound: 0.1)
        // resetParameters draws again from the same law
        let before = layer.weight.scalars
        layer.resetParameters()
        #expect(layer.weight.scalars != before)
        expectUniform(layer.weight, bound: 1 / 400.0.squareRoot())
    }

    @Test func initWritesParametersOutsideAutograd() {
        let layer = Linear(3, 2)
        Init.constant_(layer.weight, 0.5)
        Init.normal_(layer.bias!, std: 0.1)
        #expect(layer.weight.isLeaf && layer.weight.requiresGrad && layer.weight.gradFnName == nil)
        #expect(layer.weight.scalars == [Float](repeating: 0.5, count: 6))
        // The same seed gives the same values.
        let a = Tensor.zeros([3, 3]), b = Tensor.zeros([3, 3])
        Init.xavierNormal_(a, generator: Generator(seed: 1))
        Init.xavierNormal_(b, generator: Generator(seed: 1))
        #expect(a.scalars == b.scalars)
    }

    @Test func badArgumentsThrowAndChangeNothing() {
        let v = Tensor.ones([5])
        #expect(throws: SwishError.invalidArgument("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")) {
            try Init._xavierUniform(v, gain: 1, generator: nil)
        }
        #expect(throws: SwishError.self) { try Init._kaimingNormal(v, a: 0, mode: .fanIn, nonlinearity: .relu, generator: nil) }
        #expect(throws: SwishError.invalidArgument("uniform_ expects to return a [from, to) range, but found from=1.0 > to=0.0")) {
            try Init._uniform(v, a: 1, b: 0, generator: nil)
        }
        #expect(throws: SwishError.invalidArgument("normal expects std >= 0.0, but found std -1.0")) {
            try Init._normal(v, mean: 0, std: -1, generator: nil)
        }
        #expect(throws: SwishError.self) { try Init._uniform(v, a: 0, b: .infinity, generator: nil) }
        #expect(throws: SwishError.self) { try Init._gain(.leakyRelu, param: .nan) }
        #expect(v.scalars == [1, 1, 1, 1, 1])
    }
}
