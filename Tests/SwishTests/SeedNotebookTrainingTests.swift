import Foundation
import Testing

import Swish

// The seed notebook's sections 4 and 5 ("Activation Functions", "Optimization") in Swift, the
// counterparts of examples-c/04_activation_functions.c and examples-c/05_optimization.c.
//
// docs/tutorial.md shows the code between each pair of tutorial begin/end comments and, under it, the
// output recorded in the `.output` region that follows (scripts/tutorial.py copies both). The code calls
// plain `print`; in this file `print` is the function below, which records into a transcript, and each
// test expects the transcript to be exactly the recorded output, so the tutorial cannot show output the
// code does not print.

/// What the tutorial code printed while ``capture(_:)`` ran.
private final class Transcript: @unchecked Sendable {  // only the task that made it writes to it
    @TaskLocal static var current: Transcript?
    var text = ""

    /// Runs `body` and returns everything it printed.
    static func capture(_ body: () throws -> Void) rethrows -> String {
        let transcript = Transcript()
        try $current.withValue(transcript) { try body() }
        return transcript.text
    }
}

/// `Swift.print`, recorded in the current transcript instead of written out while a capture runs.
private func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    let text = items.map { "\($0)" }.joined(separator: separator) + terminator
    if let transcript = Transcript.current {
        transcript.text += text
    } else {
        Swift.print(text, terminator: "")
    }
}

@Suite struct SeedNotebookTraining {
    /// Every activation of the notebook on a grid over [-4, 4]: the values against the notebook's
    /// closed forms, the derivatives from autograd against the closed-form derivatives.
    @Test func section4ActivationFunctions() {
        let printed = Transcript.capture {
            // tutorial:begin activations
            // The notebook's formulas, in double precision: each activation and its derivative.
            let sigmoid = { (x: Double) in 1 / (1 + exp(-x)) }
            let Phi = { (x: Double) in 0.5 * (1 + erf(x / 2.0.squareRoot())) }  // the standard normal CDF
            let phi = { (x: Double) in exp(-x * x / 2) / (2 * Double.pi).squareRoot() }  // and its density
            let k = (2 / Double.pi).squareRoot()
            let inner = { (x: Double) in tanh(k * (x + 0.044715 * x * x * x)) }  // of GELU's tanh form
            let innerSlope = { (x: Double) in (1 - inner(x) * inner(x)) * k * (1 + 3 * 0.044715 * x * x) }
            typealias Activation = (
                name: String, f: (Tensor) -> Tensor, value: (Double) -> Double, slope: (Double) -> Double
            )
            let activations: [Activation] = [
                ("sigmoid", { $0.sigmoid() }, sigmoid, { sigmoid($0) * (1 - sigmoid($0)) }),
                ("tanh", { $0.tanh() }, { (1 - exp(-2 * $0)) / (1 + exp(-2 * $0)) }, { 1 - tanh($0) * tanh($0) }),
                ("relu", { $0.relu() }, { max($0, 0) }, { $0 > 0 ? 1 : 0 }),
                ("leaky_relu", { $0.leakyRelu(negativeSlope: 0.01) }, { max($0, 0.01 * $0) }, { $0 > 0 ? 1 : 0.01 }),
                ("gelu", { $0.gelu() }, { $0 * Phi($0) }, { Phi($0) + $0 * phi($0) }),
                (
                    "gelu_tanh", { $0.gelu(approximate: .tanh) }, { 0.5 * $0 * (1 + inner($0)) },
                    { 0.5 * (1 + inner($0)) + 0.5 * $0 * innerSlope($0) }
                ),
                ("silu", { $0.silu() }, { $0 * sigmoid($0) }, { sigmoid($0) * (1 + $0 * (1 - sigmoid($0))) }),
            ]

            let grid = (0...160).map { -4 + 0.05 * Float($0) }  // [-4, 4] in steps of 0.05
            print("activation   f(-2)    f(0)    f(2)  f'(-2)   f'(0)   f'(2)")
            for a in activations {
                let x = Tensor(grid, requiresGrad: true)
                let y = a.f(x)
                y.sum().backward()  // y[i] depends on x[i] alone, so x.grad[i] is f'(x[i])
                expectClose(y, grid.map { Float(a.value(Double($0))) }, atol: 2e-6, rtol: 1e-5, a.name)
                expectClose(x.grad!, grid.map { Float(a.slope(Double($0))) }, atol: 2e-6, rtol: 1e-5, "\(a.name)'")
                let columns = [y[40], y[80], y[120], x.grad![40], x.grad![80], x.grad![120]]  // x = -2, 0, 2
                print(a.name.padding(toLength: 10, withPad: " ", startingAt: 0), terminator: "")
                print(columns.map { String(format: "%8.4f", $0.item()) }.joined())
            }
            // tutorial:end activations
        }
        // tutorial:begin activations.output
        let expected = """
            activation   f(-2)    f(0)    f(2)  f'(-2)   f'(0)   f'(2)
            sigmoid     0.1192  0.5000  0.8808  0.1050  0.2500  0.1050
            tanh       -0.9640  0.0000  0.9640  0.0707  1.0000  0.0707
            relu        0.0000  0.0000  2.0000  0.0000  0.0000  1.0000
            leaky_relu -0.0200  0.0000  2.0000  0.0100  0.0100  1.0000
            gelu       -0.0455  0.0000  1.9545 -0.0852  0.5000  1.0852
            gelu_tanh  -0.0454  0.0000  1.9546 -0.0861  0.5000  1.0861
            silu       -0.2384  0.0000  1.7616 -0.0908  0.5000  1.0908
            """
        // tutorial:end activations.output
        #expect(printed == expected + "\n")
    }

    /// Adam and Yogi on the ill-conditioned quadratic of examples-c/05_optimization.c.
    @Test func section5AdamAndYogiOnAQuadratic() throws {
        let printed = try Transcript.capture {
            // tutorial:begin quadratic
            // f(x) = 0.5 * (x1² + 10 x2² + 100 x3²): its curvature differs 100-fold between coordinates.
            let a = Tensor([1, 10, 100])
            func minimize(with makeOptimizer: ([Tensor]) throws -> Optimizer) rethrows -> [Float] {
                let x = Tensor([-5, 2, 1], requiresGrad: true)
                let optimizer = try makeOptimizer([x])
                var losses: [Float] = []
                for _ in 0..<300 {
                    optimizer.zeroGrad()
                    let f = (a * x.square()).sum() * 0.5
                    losses.append(f.item())
                    f.backward()
                    optimizer.step()
                }
                return losses
            }
            let adam = try minimize { try Adam($0, learningRate: 0.1) }
            let yogi = try minimize { try Yogi($0, learningRate: 0.1) }
            print("step          Adam          Yogi")
            for step in [0, 30, 60, 90, 120, 150, 180, 210, 240, 270, 299] {
                print(String(format: "%4d  %12.6g  %12.6g", step, Double(adam[step]), Double(yogi[step])))
            }
            #expect(adam[299] < 1e-8 * adam[0] && yogi[299] < 1e-8 * yogi[0])
            // tutorial:end quadratic
        }
        // tutorial:begin quadratic.output
        let expected = """
            step          Adam          Yogi
               0          82.5          82.5
              30       2.69629       2.71989
              60      0.186652      0.199538
              90    0.00447695    0.00412524
             120   0.000452535   0.000484866
             150   1.79877e-06   4.67877e-06
             180   6.31907e-07   5.39024e-07
             210   2.18685e-08   2.06993e-08
             240   7.55432e-10   5.22144e-10
             270   2.64582e-11   6.75611e-11
             299   2.66571e-12   4.28969e-13
            """
        // tutorial:end quadratic.output
        #expect(printed == expected + "\n")
    }

    /// Adam and Yogi train a small regression network (the network of examples-c/05_optimization.c,
    /// written with modules).
    @Test func section5AdamAndYogiTrainANetwork() throws {
        let printed = try Transcript.capture {
            // tutorial:begin regression
            // 64 points of sin(2x) + 0.3x on [-2, 2], and a 1-16-1 network with tanh to fit them.
            let points = (0..<64).map { -2 + 4 * Float($0) / 63 }
            let x = Tensor(points, shape: [64, 1])
            let y = Tensor(points.map { sin(2 * $0) + 0.3 * $0 }, shape: [64, 1])
            func train(with makeOptimizer: (Module) throws -> Optimizer) rethrows -> [Float] {
                let g = Generator(seed: 7)  // the same initial weights for every optimizer
                let net = Sequential(Linear(1, 16, generator: g), Tanh(), Linear(16, 1, generator: g))
                let optimizer = try makeOptimizer(net)
                var losses: [Float] = []
                for _ in 0..<500 {
                    optimizer.zeroGrad()
                    let loss = mseLoss(net(x), y)
                    losses.append(loss.item())
                    loss.backward()
                    optimizer.step()
                }
                return losses
            }
            let adam = try train { try Adam($0, learningRate: 0.01) }
            let yogi = try train { try Yogi($0, learningRate: 0.03) }
            print("step          Adam          Yogi")
            for step in [0, 50, 100, 150, 200, 250, 300, 350, 400, 450, 499] {
                print(String(format: "%4d  %12.6g  %12.6g", step, Double(adam[step]), Double(yogi[step])))
            }
            #expect(adam[499] < adam[0] / 1000 && yogi[499] < yogi[0] / 1000)
            // tutorial:end regression
        }
        // tutorial:begin regression.output
        let expected = """
            step          Adam          Yogi
               0      0.698774      0.698774
              50      0.233435     0.0412105
             100     0.0437563     0.0077092
             150     0.0105876    0.00141962
             200    0.00400399   0.000333621
             250    0.00123888   0.000100787
             300   0.000363538   3.38418e-05
             350   0.000144602   1.40749e-05
             400   7.93012e-05   8.38695e-06
             450   5.31076e-05   6.74826e-06
             499   4.11856e-05   6.22417e-06
            """
        // tutorial:end regression.output
        #expect(printed == expected + "\n")
    }
}
