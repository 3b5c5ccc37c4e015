import Testing

@testable import Swish

// The vectorized kernels against naive index loops, on shapes the fixtures are too small to reach:
// random broadcast pairs (the merged-dimension iterator), the blocked transpose, GEMM past OpenBLAS's
// small-matrix paths, the 32-wide summation, reductions over middle dims.

/// Row-major multi-index of flat position `i` in `shape`.
private func unravel(_ i: Int, _ shape: [Int]) -> [Int] {
    var idx = [Int](repeating: 0, count: shape.count)
    var r = i
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
        idx[d] = r % shape[d]
        r /= shape[d]
    }
    return idx
}

/// Flat position in `shape` of the broadcast index `outIdx` (aligned to the right, size-1 dims read 0).
private func broadcastOffset(_ outIdx: [Int], _ shape: [Int]) -> Int {
    var off = 0
    let lead = outIdx.count - shape.count
    for d in 0..<shape.count { off = off * shape[d] + (shape[d] == 1 ? 0 : outIdx[lead + d]) }
    return off
}

@Suite struct KernelTests {
    @Test func broadcastingMatchesNaiveLoops() throws {
        let g = Generator(seed: 99)
        for _ in 0..<300 {
            // Two shapes of rank 0...4 that broadcast: each dim is the common size or 1, or missing.
            let rank = g.nextInt(below: 5)
            let full = (0..<rank).map { _ in 1 + g.nextInt(below: 4) }
            func variant() -> [Int] {
                let dropped = g.nextInt(below: rank + 1)
                return full.dropFirst(dropped).map { g.nextInt(below: 3) == 0 ? 1 : $0 }
            }
            let sa = variant(), sb = variant()
            let a = Tensor.randn(Shape(sa), generator: g), b = Tensor.randn(Shape(sb), generator: g)
            let out = a * b - b
            let outShape = try Shape.broadcast(Shape(sa), Shape(sb)).array
            #expect(out.shape.array == outShape)
            let av = a.scalars, bv = b.scalars
            let expected = (0..<out.numel).map { i -> Float in
                let idx = unravel(i, outShape)
                let x = av[broadcastOffset(idx, sa)], y = bv[broadcastOffset(idx, sb)]
                return x * y - y
            }
            #expect(out.scalars == expected, "\(sa) and \(sb)")
            // The gradient sums the broadcast back down (_sumTo): d/da sum(a * b) = sum of the b's each a meets.
            a.requiresGrad = true
            (a * b).sum().backward()
            var ga = [Float](repeating: 0, count: a.numel)
            for i in 0..<out.numel {
                let idx = unravel(i, outShape)
                ga[broadcastOffset(idx, sa)] += bv[broadcastOffset(idx, sb)]
            }
            expectClose(a.grad!, ga, shape: sa, atol: 1e-5, rtol: 1e-5, "grad for \(sa) and \(sb)")
        }
    }

    @Test func blockedTransposeMatchesNaiveLoops() {
        for (rows, cols) in [(70, 45), (33, 32), (1, 100), (64, 64)] {
            let x = Tensor.randn([rows, cols], generator: Generator(seed: 1))
            let v = x.scalars
            let t = x.t().scalars
            #expect(t == (0..<(rows * cols)).map { v[($0 % rows) * cols + $0 / rows] }, "\(rows)x\(cols)")
        }
        let x = Tensor.randn([3, 40, 5, 33], generator: Generator(seed: 2))
        let v = x.scalars
        let y = x.transpose(1, 3)  // [3, 33, 5, 40]
        #expect(y.shape == [3, 33, 5, 40])
        let expected = (0..<y.numel).map { i -> Float in
            let o = unravel(i, [3, 33, 5, 40])
            return v[((o[0] * 40 + o[3]) * 5 + o[2]) * 33 + o[1]]
        }
        #expect(y.scalars == expected)
    }

    @Test func matmulMatchesNaiveLoops() {
        let g = Generator(seed: 5)
        for (m, k, n) in [(37, 50, 29), (1, 300, 1), (64, 1, 65), (5, 128, 130)] {
            let a = Tensor.randn([m, k], generator: g), b = Tensor.randn([k, n], generator: g)
            let av = a.scalars, bv = b.scalars
            var c = [Float](repeating: 0, count: m * n)
            for i in 0..<m {
                for j in 0..<n {
                    var s = 0.0
                    for p in 0..<k { s += Double(av[i * k + p]) * Double(bv[p * n + j]) }
                    c[i * n + j] = Float(s)
                }
            }
            // float32 products summed in a different order: error grows like sqrt(k) * 6e-8 * |terms|.
            expectClose(a.matmul(b), c, shape: [m, n], atol: 1e-4, rtol: 1e-4, "\(m)x\(k) @ \(k)x\(n)")
        }
        // Batched with broadcast batch dims against per-batch 2-d products.
        let a = Tensor.randn([2, 1, 7, 9], generator: g), b = Tensor.randn([3, 9, 4], generator: g)
        let c = a.matmul(b)
        #expect(c.shape == [2, 3, 7, 4])
        for i in 0..<2 {
            for j in 0..<3 {
                expectClose(c[i, j], a[i, 0].matmul(b[j]).scalars, atol: 1e-5, "batch \(i), \(j)")
            }
        }
    }

    @Test func sumsMatchDoubleReference() {
        for n in [0, 1, 31, 32, 33, 1000, 4097] {
            let x = Tensor.randn([n], generator: Generator(seed: UInt64(n)))
            let exact = x.scalars.reduce(0.0) { $0 + Double($1) }
            #expect(Swift.abs(Double(x.sum().item()) - exact) < 1e-5 * Double(Swift.max(n, 1)).squareRoot() * 4, "n = \(n)")
        }
        let x = Tensor.randn([4, 37, 6], generator: Generator(seed: 7))
        let v = x.scalars
        for d in 0..<3 {
            let s = x.sum(dim: d)
            let outShape = [4, 37, 6].enumerated().filter { $0.offset != d }.map(\.element)
            var expected = [Double](repeating: 0, count: s.numel)
            for i in 0..<x.numel {
                var idx = unravel(i, [4, 37, 6])
                idx.remove(at: d)
                expected[idx.enumerated().reduce(0) { $0 * outShape[$1.offset] + $1.element }] += Double(v[i])
            }
            expectClose(s, expected.map { Float($0) }, shape: outShape, atol: 1e-4, "sum over dim \(d)")
            let m = x.max(dim: d)
            for j in 0..<m.values.numel {
                let k = Int(m.indices.scalars[j])
                var idx = unravel(j, outShape)
                idx.insert(k, at: d)
                #expect(x.scalars[idx.enumerated().reduce(0) { $0 * [4, 37, 6][$1.offset] + $1.element }] == m.values.scalars[j])
            }
        }
    }
}
