import Testing

@testable import Swish

// The mechanisms the benchmark asked for must not change results: split products, the block cache, the
// module-tree cache and the gradient hand-over.

@Suite(.serialized) struct PerformanceMechanismTests {
    @Test func largeProductsAgreeOnAnyThreadCount() {
        // 64 x 512 x 256 = 8.4M multiply-adds: OpenBLAS splits it over its threads.
        let g = Generator(seed: 3)
        let x = Tensor.randn([64, 512], generator: g), w = Tensor.randn([256, 512], generator: g)
        let b = Tensor.randn([256], generator: g)
        let old = Parallelism.threads
        defer { Parallelism.threads = old }
        Parallelism.threads = 1
        let one = linear(x, weight: w, bias: b).scalars
        let oneMM = x.matmul(w.t()).scalars
        for threads in [2, 3, 5] {
            Parallelism.threads = threads
            let split = linear(x, weight: w, bias: b).scalars
            // Deterministic for a thread count; equal to the one-thread product within rounding.
            #expect(linear(x, weight: w, bias: b).scalars == split, "\(threads) threads, run twice")
            #expect(close(split, one, atol: 1e-4, rtol: 1e-5), "\(threads) threads")
            #expect(close(x.matmul(w.t()).scalars, oneMM, atol: 1e-4, rtol: 1e-5), "\(threads) threads")
        }
        Parallelism.threads = 3
        #expect(Parallelism.exchangeThreads(0) == 3)
        #expect(Parallelism.threads == 1, "below 1 counts as 1")
    }

    @Test func midSizedProductsCutIntoRowBlocksMatchAPlainProduct() {
        // 128 x 10 x 256 = 327,680 multiply-adds: cut into single-threaded row blocks of 96 rows.
        let g = Generator(seed: 4)
        let a = Tensor.randn([128, 256], generator: g), b = Tensor.randn([256, 10], generator: g)
        let c = a.matmul(b).scalars
        let av = a.scalars, bv = b.scalars
        var reference = [Float](repeating: 0, count: 128 * 10)
        for i in 0..<128 {
            for j in 0..<10 {
                var s: Double = 0
                for p in 0..<256 { s += Double(av[i * 256 + p]) * Double(bv[p * 10 + j]) }
                reference[i * 10 + j] = Float(s)
            }
        }
        #expect(close(c, reference, atol: 1e-4, rtol: 1e-5))
    }

    @Test func blockSizeClassesCoverRequestsWithLittleSlack() {
        var lastIndex = -1
        for bytes in [1, 63, 64, 65, 4096, 4097, 5120, 5121, 8192, 1 << 20, (1 << 20) + 1, 3 << 30] {
            let (index, size) = BlockCache.sizeClass(bytes)
            #expect(size >= bytes && size % 64 == 0, "class of \(bytes) bytes is \(size)")
            #expect(bytes <= 64 || Double(size) <= Double(bytes) * 1.25 + 64, "slack for \(bytes)")
            #expect(index >= lastIndex)
            lastIndex = index
        }
        #expect(BlockCache.sizeClass(4097).size == BlockCache.sizeClass(5120).size)
        #expect(BlockCache.sizeClass(5121).index == BlockCache.sizeClass(5120).index + 1)
    }

    @Test func freedTensorMemoryIsReusedAndCanBeReleased() throws {
        BlockCache.releaseCached()
        var first: Tensor? = try Tensor(uninitialized: [1000])
        let address = first!.storage.base
        first = nil
        #expect(BlockCache.cachedByThisThread >= 4000)
        let second = try Tensor(zeroed: [1005])  // 4020 bytes: the same size class as 4000
        #expect(second.storage.base == address, "a freed block of the same class is reused")
        #expect(second.scalars.allSatisfy { $0 == 0 }, "a reused block requested zeroed is zeroed")
        BlockCache.releaseCached()
        #expect(BlockCache.cachedByThisThread == 0)
    }

    @Test func backwardHandsOverUnsharedGradientsAndCopiesSharedOnes() {
        let a = Tensor([1, 2, 3], requiresGrad: true), b = Tensor([4, 5, 6], requiresGrad: true)
        // Add's backward passes the same gradient tensor to both inputs: each must get its own copy.
        (a + b).sum().backward()
        #expect(a.grad!.scalars == [1, 1, 1] && b.grad!.scalars == [1, 1, 1])
        #expect(!a.grad!.sharesMemory(with: b.grad!))
        // The caller's explicit gradient must not become a leaf's .grad (later accumulation would change it).
        let x = Tensor([1, 2], requiresGrad: true)
        let seed = Tensor([10, 20])
        (x * 1).backward(gradient: seed)
        #expect(!x.grad!.sharesMemory(with: seed))
        (x * 1).backward(gradient: seed)
        #expect(x.grad!.scalars == [20, 40] && seed.scalars == [10, 20])
    }
}
