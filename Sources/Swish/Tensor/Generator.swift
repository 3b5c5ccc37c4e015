#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A seedable source of random numbers for ``Tensor/rand(_:generator:)``, ``Tensor/randn(_:generator:)``,
/// dropout-free initialization and shuffling.
///
/// The algorithm is xoshiro256++ (Blackman and Vigna, 2019) seeded through SplitMix64, so one 64-bit
/// seed fixes the whole stream. The same seed gives the same numbers on every run and machine; the
/// streams are not PyTorch's (its Mersenne Twister sequence is not reproduced).
///
/// A generator may be shared between threads: every draw takes its lock, and one tensor's values are
/// drawn under one lock acquisition.
///
/// ```swift
/// let g = Generator(seed: 42)
/// let a = Tensor.rand([2, 3], generator: g)
/// ```
public final class Generator: @unchecked Sendable {
    // Guarded by a pthread mutex (the handle registry's `Lock`) rather than Synchronization.Mutex:
    // ThreadSanitizer intercepts pthread locks, but reports every Mutex-guarded access from C threads as a
    // race (the lock is correct; the tool does not see it), so only this way can its runs check the
    // generator that C callers share.
    private let lock = Lock()
    private var rng: Xoshiro256

    /// A generator whose stream is fixed by `seed`.
    public init(seed: UInt64) { rng = Xoshiro256(seed: seed) }

    /// Runs `body` on the state with the lock held.
    @inline(__always)
    private func withState<R>(_ body: (inout Xoshiro256) throws -> R) rethrows -> R {
        try lock.withLock { try body(&rng) }
    }

    /// The process-wide generator used when none is given; reseed it with ``manualSeed(_:)``.
    public static let `default` = Generator(seed: 0x5EED)

    /// Restarts the stream from `seed`.
    public func seed(_ seed: UInt64) { withState { $0 = Xoshiro256(seed: seed) } }

    /// Fills `buffer` with values uniform in [low, high).
    package func fillUniform(_ buffer: UnsafeMutableBufferPointer<Float>, low: Float = 0, high: Float = 1) {
        let span = high - low
        withState { s in
            for i in buffer.indices {
                var u = low + span * s.nextUnitFloat()
                if u >= high { u = low }  // rounding of low + span*u can reach high; keep [low, high)
                buffer[i] = u
            }
        }
    }

    /// Fills `buffer` with normal values (Box-Muller on two uniforms per pair).
    package func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>, mean: Float = 0, std: Float = 1) {
        withState { s in
            var i = 0
            let n = buffer.count
            while i < n {
                // u1 in (0, 1] so log(u1) is finite.
                let u1 = 1.0 - s.nextUnitDouble()
                let u2 = s.nextUnitDouble()
                let r = (-2.0 * log(u1)).squareRoot()
                let t = 2.0 * Double.pi * u2
                buffer[i] = mean + std * Float(r * cos(t))
                if i + 1 < n { buffer[i + 1] = mean + std * Float(r * sin(t)) }
                i += 2
            }
        }
    }

    /// A uniform integer in 0..<bound (bound > 0), without modulo bias.
    package func nextInt(below bound: Int) -> Int {
        precondition(bound > 0)
        return withState { s in
            let b = UInt64(bound)
            let limit = UInt64.max - UInt64.max % b
            while true {
                let x = s.next()
                if x < limit { return Int(x % b) }
            }
        }
    }

    /// A uniformly shuffled permutation of 0..<n (Fisher-Yates).
    package func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        guard n > 1 else { return p }
        withState { s in
            for i in stride(from: n - 1, to: 0, by: -1) {
                let b = UInt64(i + 1)
                let limit = UInt64.max - UInt64.max % b
                var x = s.next()
                while x >= limit { x = s.next() }
                p.swapAt(i, Int(x % b))
            }
        }
        return p
    }
}

/// Sets the seed of ``Generator/default`` (PyTorch's `torch.manual_seed`).
public func manualSeed(_ seed: UInt64) { Generator.default.seed(seed) }

/// xoshiro256++ state.
struct Xoshiro256 {
    var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix()
        s1 = splitmix()
        s2 = splitmix()
        s3 = splitmix()
    }

    @inline(__always) mutating func next() -> UInt64 {
        let result = (s0 &+ s3).rotl(23) &+ s0
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3.rotl(45)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits (every float32 multiple of 2^-24).
    @inline(__always) mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always) mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }
}

extension UInt64 {
    @inline(__always) fileprivate func rotl(_ k: UInt64) -> UInt64 { (self << k) | (self >> (64 - k)) }
}
