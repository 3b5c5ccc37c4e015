import Foundation
import Testing

@testable import Swish
import _SwishShims

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
        // 128 x 32 x 128 = 524,288 multiply-adds, no dimension thin enough for the small-product kernel:
        // cut into single-threaded OpenBLAS row blocks of 48 rows.
        let (m, n, k) = (128, 32, 128)
        #expect(!_BLAS.usesSmallKernel(m: m, n: n, k: k))
        let g = Generator(seed: 4)
        let a = Tensor.randn([m, k], generator: g), b = Tensor.randn([k, n], generator: g)
        let c = a.matmul(b).scalars
        let av = a.scalars, bv = b.scalars
        var reference = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s: Double = 0
                for p in 0..<k { s += Double(av[i * k + p]) * Double(bv[p * n + j]) }
                reference[i * n + j] = Float(s)
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
        let address = first!.pointer
        first = nil
        #expect(BlockCache.cachedByThisThread >= 4000)
        let second = try Tensor(zeroed: [1005])  // 4020 bytes: the same size class as 4000
        #expect(second.pointer == address, "a freed block of the same class is reused")
        #expect(second.scalars.allSatisfy { $0 == 0 }, "a reused block requested zeroed is zeroed")
        BlockCache.releaseCached()
        #expect(BlockCache.cachedByThisThread == 0)
    }

    @Test func aViewKeepsItsMemoryAfterTheTensorItCameFromIsGone() throws {
        // A tensor owns its block until it is first viewed; then the block belongs to a shared owner
        // that the last of the tensor and its views frees.
        var view: Tensor
        do {
            let t = Tensor([1, 2, 3, 4, 5, 6], shape: [6])
            #expect(t.ownsMemoryAlone)
            view = t.view(as: [2, 3])
            #expect(!t.ownsMemoryAlone && view.sharesMemory(with: t))
        }
        // Freed memory of this size class is handed out first: had the block been freed with the
        // tensor, these would overwrite the view's values.
        let others = try (0..<4).map { _ in try Tensor(zeroed: [6]) }
        #expect(view.scalars == [1, 2, 3, 4, 5, 6])
        #expect(others.allSatisfy { !$0.sharesMemory(with: view) })
        view = view.detach()  // a view of a view shares the same owner
        #expect(view.scalars == [1, 2, 3, 4, 5, 6])
    }

    @Test func firstViewsFromManyThreadsAtOnceShareOneOwner() {
        // Reading one tensor from several threads is allowed, and its first view hands the block to a
        // shared owner: threads racing to do that must end with one owner and no block freed twice
        // (the sanitizer step runs this under AddressSanitizer).
        final class Shared: @unchecked Sendable {  // the threads only read `source`; each writes its own entry
            let source: Tensor
            var views: [Tensor?] = [nil, nil, nil, nil]
            init(_ source: Tensor) { self.source = source }
        }
        for round in 0..<200 {
            let shared = Shared(Tensor.full([64], Float(round)))
            shared.views.withUnsafeMutableBufferPointer { views in
                nonisolated(unsafe) let views = views
                DispatchQueue.concurrentPerform(iterations: 4) { i in views[i] = shared.source.detach() }
            }
            for view in shared.views {
                #expect(view!.sharesMemory(with: shared.source) && view!.sharesMemory(with: shared.views[0]!))
                #expect(view!.scalars.allSatisfy { $0 == Float(round) })
            }
        }
    }

    @Test func aNodeKeepsInputsThatNeedNoGradientOnlyUntilBackward() {
        // linear's backward reads x even when x needs no gradient; the node holds it until a backward
        // without retainGraph frees the graph's saved values, and then lets it go.
        weak var input: Tensor?
        let w = Tensor([1, 2, 3, 4], shape: [2, 2], requiresGrad: true)
        var y: Tensor?
        do {
            let x = Tensor([1, 1], shape: [1, 2])
            input = x
            y = linear(x, weight: w).sum()
        }
        #expect(input != nil, "held by the graph for backward")
        y!.backward(retainGraph: true)
        #expect(input != nil, "still held: the graph was retained")
        y!.backward()
        #expect(input == nil, "released with the graph's saved values")
        #expect(w.grad!.scalars == [2, 2, 2, 2])
        y = nil
    }

    /// An op's node is its result (no object of its own): a tensor used by a later op stays a node for
    /// backward after the caller dropped it, and a long chain of such tensors is released without
    /// recursion (Node.swift; the 50,000-op chains are in AutogradTests).
    @Test func aNodeIsItsResultAndOutlivesTheCallersReference() {
        let x = Tensor([1, 2], requiresGrad: true)
        weak var weakMiddle: Tensor?
        var z: Tensor?
        do {
            let middle = x * 2
            #expect(middle.gradFn === middle && middle.gradFnName == "MulBackward0")
            weakMiddle = middle
            z = (middle * 3).sum()
        }
        #expect(weakMiddle != nil, "held by its consumer for backward")
        z!.backward()
        #expect(x.grad!.scalars == [6, 6])
        #expect(x.gradFn == nil && x.isLeaf)
        z = nil
        #expect(weakMiddle == nil, "released with the graph")
    }

    /// Elementwise backward functions write into the incoming gradient when nothing else sees it, and only
    /// then: not the caller's gradient, not a retained one, not one add passes to both its inputs.
    @Test func backwardOverwritesOnlyGradientsNothingElseHolds() {
        let x = Tensor([-1, 2, -3, 4], requiresGrad: true)
        let seed = Tensor([1, 1, 1, 1])
        let y = (x * 2).relu()
        y.backward(gradient: seed)
        #expect(seed.scalars == [1, 1, 1, 1], "the caller's gradient is read, not written")
        #expect(x.grad!.scalars == [0, 2, 0, 2])
        #expect(y.gradIsScratch == false && y.in0!.gradIsScratch == true, "relu's input gradient was relu's own")

        let a = Tensor([-1, 2], requiresGrad: true), b = Tensor([3, -4], requiresGrad: true)
        (a.relu() + b.relu()).backward(gradient: Tensor([1, 1]))
        #expect(a.grad!.scalars == [0, 1] && b.grad!.scalars == [1, 0], "add's shared gradient is not overwritten")

        let w = Tensor([-1, 2], requiresGrad: true)
        let r = w * 3
        r.retainGrad()
        (r.relu() * 2).sum().backward()
        #expect(r.grad!.scalars == [0, 2] && w.grad!.scalars == [0, 6], "a retained gradient is kept as it was")
        let t = w.tanh()
        t.retainGrad()
        (t / 4).sum().backward()
        #expect(t.grad!.scalars == [0.25, 0.25])

        // Gradients of a tensor used twice are summed in place only into a sum this pass made: here the
        // first one to arrive is the caller's own gradient (add hands it on as it is).
        let v = Tensor([1, 2], requiresGrad: true)
        let seed2 = Tensor([1, 1])
        (v + v * 2).backward(gradient: seed2)
        #expect(seed2.scalars == [1, 1] && v.grad!.scalars == [3, 3])
        let m = v * 1
        (m + m * 2).backward(gradient: seed2)
        #expect(seed2.scalars == [1, 1] && v.grad!.scalars == [6, 6])
    }

    /// zero_grad keeps a gradient nothing else refers to for the next backward to write into; one the
    /// caller still holds, or has viewed, is left alone.
    @Test func zeroGradReusesOnlyGradientsNobodyHolds() {
        let layer = Linear(3, 2)
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        layer(x).sum().backward()
        let first = ObjectIdentifier(layer.weight.grad!)
        let expected = layer.weight.grad!.scalars
        layer.zeroGrad()
        #expect(layer.weight.grad == nil && layer.bias!.grad == nil)
        layer(x).sum().backward()
        #expect(ObjectIdentifier(layer.weight.grad!) == first, "the kept gradient was written into")
        #expect(layer.weight.grad!.scalars == expected && layer.bias!.grad!.scalars == [2, 2])

        let held = layer.weight.grad!
        layer.zeroGrad()
        layer((x * 2)).sum().backward()
        #expect(held.scalars == expected, "a gradient the caller holds is never overwritten")
        #expect(layer.weight.grad !== held && layer.weight.grad!.scalars == expected.map { $0 * 2 })

        let viewed = layer.weight.grad!.reshape([6])
        layer.zeroGrad()
        layer(x).sum().backward()
        #expect(viewed.scalars == expected.map { $0 * 2 }, "nor one a view shares")
    }

    /// The Swift names of the per-thread slots are the C header's indices, and every slot is named.
    @Test func threadSlotsAreTheHeadersSlots() {
        #expect(ThreadSlot.blockCache.rawValue == Int32(swish_thread_slot_block_cache))
        #expect(ThreadSlot.gradMode.rawValue == Int32(swish_thread_slot_grad_mode))
        #expect(ThreadSlot.cState.rawValue == Int32(swish_thread_slot_c_state))
        #expect(ThreadSlot(rawValue: Int32(swish_thread_slot_count) - 1) != nil)
        #expect(ThreadSlot(rawValue: Int32(swish_thread_slot_count)) == nil)
    }

    /// zero_grad keeps the tree's parameters between calls; every change to the tree, in the module it is
    /// called on or in a descendant, makes it look again.
    @Test func zeroGradFollowsChangesToTheTree() {
        let x = Tensor.ones([1, 2])
        let inner = Sequential(Linear(2, 2))
        let net = Sequential(inner)
        func step() { net(x).sum().backward() }
        func allCleared() -> Bool { net.parameters().allSatisfy { $0.grad == nil } }
        step()
        net.zeroGrad()
        net.zeroGrad()  // the second walk finds the tree's reflection settled and keeps the list
        #expect(allCleared())

        // A parameter replaced in a descendant.
        let w = Tensor.ones([2, 2], requiresGrad: true)
        inner[0].weight = w
        step()
        #expect(w.grad != nil)
        net.zeroGrad()
        #expect(w.grad == nil && allCleared(), "the replacement's gradient is cleared")
        net.zeroGrad()

        // A child appended to a descendant.
        let extra = Linear(2, 2)
        inner.append(extra)
        step()
        #expect(extra.weight.grad != nil)
        net.zeroGrad()
        #expect(extra.weight.grad == nil && allCleared(), "the new child's gradients are cleared")
        net.zeroGrad()

        // Parameters a lazy module makes on its first call.
        let lazy = LazyLinear(3)
        inner.append(lazy)
        net.zeroGrad()
        net.zeroGrad()
        step()
        #expect(lazy.weight.grad != nil)
        net.zeroGrad()
        #expect(lazy.weight.grad == nil && allCleared(), "the lazy module's new parameters are cleared")

        // A parameter tied into two places is in the list once and cleared.
        extra.weight = inner[0].weight
        step()
        net.zeroGrad()
        net.zeroGrad()
        step()
        net.zeroGrad()
        #expect(allCleared())
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

    /// Values that exercise every branch of the updates: zeros of both signs, subnormals, huge values,
    /// infinities, NaN, and ordinary random ones.
    private static func updateInputs(_ n: Int, seed: UInt64) -> [[Float]] {
        let g = Generator(seed: seed)
        let special: [Float] = [
            0, -0, Float(bitPattern: 0x0000_4000), -Float(bitPattern: 0x0000_4000), 1e-30, 3e38, -3e38, .infinity, -.infinity, .nan, 1, -1, 1e-8, 0.5,
        ]
        return (0..<4).map { k in
            var v = Tensor.randn([n], generator: g).scalars
            if k == 3 { v = v.map { Swift.abs($0) } }  // second moments are >= 0 in use; some not
            for (j, x) in special.enumerated() { v[(j * 7 + k * 3) % n] = k == 3 ? Swift.abs(x) : x }
            v[Swift.max(0, n - 1 - k)] = special[(k * 5) % special.count]
            return v
        }
    }

    /// The elements whose bits differ (empty when equal), so a failure says where without printing all.
    private static func differing(_ a: [Float], _ b: [Float]) -> [Int] {
        a.count == b.count ? a.indices.filter { a[$0].bitPattern != b[$0].bitPattern } : [-1]
    }

    @Test func avx2AndPortableOptimizerUpdatesGiveTheSameBits() {
        guard _Kernels.processorHasAVX2 else { return }  // nothing to compare on this processor
        for n in [1, 7, 8, 9, 61, 1024, 4099] {
            let inputs = Self.updateInputs(n, seed: UInt64(n))
            // Adam: lr 1e-3 at step 3; an unusual set of coefficients; a late step, whose bias correction
            // sqrt(1 - beta2^t) is exactly 1 (the AVX2 update then skips that division).
            for (w1, w2, b2, step, sc2, eps) in [
                (Float(0.1), Float(0.001), Float(0.999), Float(3.7e-3), Float(0.0547), Float(1e-8)),
                (0.3, 0.25, 0.75, 0.5, 0.9, 1e-3),
                (0.1, 0.001, 0.999, 1e-3, 1, 1e-8),
            ] {
                var results: [[[Float]]] = []
                for avx2 in [true, false] {
                    var p = inputs[0], m = inputs[2], v = inputs[3]
                    let g = inputs[1]
                    let k = AdamKernel(w1: w1, w2: w2, b2: b2, stepSize: step, sqrtCorrection2: sc2, eps: eps)
                    g.withUnsafeBufferPointer { gb in
                        k.update(&p, gb.baseAddress!, &m, &v, 0, n, avx2: avx2)
                    }
                    results.append([p, m, v])
                }
                for j in 0..<3 { #expect(Self.differing(results[0][j], results[1][j]) == [], "Adam n=\(n) buffer \(j)") }
            }
            for sc2 in [Float(0.0316), 1] {  // an early step, and a late one whose correction is exactly 1
                var results: [[[Float]]] = []
                for avx2 in [true, false] {
                    var p = inputs[0], m = inputs[2], s = inputs[3]
                    let g = inputs[1]
                    let k = YogiKernel(w1: 0.1, w2: 0.001, stepSize: 1e-2, sqrtCorrection2: sc2, eps: 1e-3)
                    g.withUnsafeBufferPointer { gb in
                        k.update(&p, gb.baseAddress!, &m, &s, 0, n, avx2: avx2)
                    }
                    results.append([p, m, s])
                }
                for j in 0..<3 { #expect(Self.differing(results[0][j], results[1][j]) == [], "Yogi n=\(n) sc2=\(sc2) buffer \(j)") }
            }
        }
    }

    @Test func optimizerUpdatesSplitOverThreadsGiveTheSameBits() throws {
        // 1,000,003 elements: two chunks on two threads (Parallelism.minimumChunk), with a ragged tail.
        let n = 1_000_003
        #expect(n / Parallelism.minimumChunk >= 2)
        let old = Parallelism.threads
        defer { Parallelism.threads = old }
        var finals: [[Float]] = []
        for threads in [1, 2] {
            Parallelism.threads = threads
            let g = Generator(seed: 11)
            let w = Tensor.randn([n], generator: g).requiresGrad_()
            let target = Tensor.randn([n], generator: g)
            for opt in [try Adam([w], learningRate: 1e-2) as Optimizer, try Yogi([w]), try Adam([w], weightDecay: 0.1)] {
                for _ in 0..<3 {
                    opt.zeroGrad()
                    ((w - target) * (w - target)).sum().backward()
                    opt.step()
                }
            }
            finals.append(w.scalars)
        }
        #expect(Self.differing(finals[0], finals[1]) == [])
    }

    @Test func flushDenormalIsOffByDefaultAndPerThread() throws {
        try #require(setFlushDenormal(false), "x86-64 and AArch64 support the mode")
        defer { setFlushDenormal(false) }
        let tiny = Tensor([Float(bitPattern: 0x00AE_42E2)])  // 1.6e-38: half of it is subnormal
        #expect(!flushesDenormal)
        #expect((tiny * 0.5).item() == Float(bitPattern: 0x0057_2171), "IEEE by default, as PyTorch")
        setFlushDenormal(true)
        #expect(flushesDenormal)
        #expect((tiny * 0.5).item().bitPattern == 0)  // by bits: with DAZ on, a subnormal compares equal to 0
        // Another thread, started before the mode was set (threads started later inherit their creator's
        // floating-point control word on Linux), keeps its own.
        final class Seen: @unchecked Sendable { var flushing = true }  // written before `done` is signalled
        let seen = Seen()
        let go = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        setFlushDenormal(false)
        let t = Thread {
            go.wait()
            seen.flushing = flushesDenormal
            done.signal()
        }
        t.start()
        setFlushDenormal(true)
        go.signal()
        done.wait()
        #expect(!seen.flushing, "another thread keeps its own mode")
        setFlushDenormal(false)
        #expect((tiny * 0.5).item() == Float(bitPattern: 0x0057_2171))
    }

    @Test func adamStateOfAParameterWithoutGradientStaysSubnormalUnlessFlushed() throws {
        // One real gradient, then zeros (a dead unit): exp_avg = 0.1 * 0.9^(t-1) falls below 1.2e-38 after
        // about 800 steps. Under IEEE arithmetic (PyTorch's) it ends stuck at a few times the smallest
        // subnormal (0.1 m rounds to 0), so every later step computes with subnormals; flushed, it sticks
        // at the normal 1.08e-37, where 0.1 m is the first value that flushes to 0.
        func expAvg(flush: Bool) throws -> [Float] {
            setFlushDenormal(flush)
            defer { setFlushDenormal(false) }
            let w = Tensor([1, 2, 3, 4, 5, 6, 7, 8], requiresGrad: true)
            let opt = try Adam([w])
            for t in 0..<1000 {
                opt.zeroGrad()
                (w.sum() * (t == 0 ? 1 : 0)).backward()
                opt.step()
            }
            return opt.state(ofParameter: 0)!.buffers["exp_avg"]!.scalars
        }
        let ieee = try expAvg(flush: false), flushed = try expAvg(flush: true)
        #expect(ieee.allSatisfy { $0.isSubnormal }, "\(ieee)")
        #expect(flushed.allSatisfy { $0.isNormal && $0 < 1.2e-37 }, "\(flushed)")  // compared with flushing off
    }

    @Test func threadsSplittingAnUpdateUseTheCallersFloatingPointMode() throws {
        try #require(setFlushDenormal(true))
        defer { setFlushDenormal(false) }
        let old = Parallelism.threads
        defer { Parallelism.threads = old }
        Parallelism.threads = 2
        // Two tasks, each halving a subnormal-producing input; the task on the calling thread waits until
        // a helper has run the other, so one of them certainly ran on a helper (whose own mode is IEEE:
        // helpers start without flushing, and the test process never set it on them).
        let x = Float(bitPattern: 0x00AE_42E2)  // 1.6e-38: half of it is subnormal
        let out = UnsafeMutablePointer<Float>.allocate(capacity: 2)
        defer { out.deallocate() }
        out.initialize(repeating: 1, count: 2)
        let ran = HelperProbe()
        Parallelism.forEachTask(2) { k in
            ran.record()
            out[k] = (Tensor([x]) * 0.5).item()  // computed at run time, in the running thread's mode
        }
        #expect(ran.helperRan, "a helper thread ran a task")
        // Compared by bits: with denormals-are-zero on, a subnormal compares equal to 0.
        #expect(out[0].bitPattern == 0 && out[1].bitPattern == 0, "\(out[0]) \(out[1]): computed without flushing")

        // The mechanism itself, on a thread that certainly has the other mode: a thread started while this
        // one did not flush. `mode` is set before the signal and read after it; `inside` and `after`
        // written before `done` is signalled.
        final class Seen: @unchecked Sendable {
            var mode = FloatingPointMode.current
            var inside: Float = 1, after = true
        }
        let seen = Seen()
        let go = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        setFlushDenormal(false)
        let t = Thread {
            go.wait()
            let x = Tensor([Float(bitPattern: 0x00AE_42E2)])  // 1.6e-38: half of it is subnormal
            seen.mode.apply { seen.inside = (x * 0.5).item() }
            seen.after = flushesDenormal
            done.signal()
        }
        t.start()
        setFlushDenormal(true)
        seen.mode = FloatingPointMode.current
        go.signal()
        done.wait()
        #expect(seen.inside.bitPattern == 0, "the caller's mode applied on the worker")
        #expect(!seen.after, "the worker's own mode restored")
    }

    @Test func forEachTaskRunsEveryTaskOnceWhateverTheThreads() {
        let old = Parallelism.threads
        defer { Parallelism.threads = old }
        for threads in [1, 2, 4] {
            Parallelism.threads = threads
            for count in [0, 1, 2, 3, 17, 1000] {
                for _ in 0..<20 {
                    let runs = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(count, 1))
                    defer { runs.deallocate() }
                    runs.initialize(repeating: 0, count: Swift.max(count, 1))
                    Parallelism.forEachTask(count) { k in runs[k] += 1 }  // each k on one thread only
                    let wrong = (0..<count).filter { runs[$0] != 1 }
                    #expect(wrong.isEmpty, "threads \(threads), count \(count): tasks \(wrong.prefix(5)) ran \(wrong.prefix(5).map { runs[$0] }) times")
                }
            }
        }
        // With helpers, one of them takes part (the calling thread's task waits for it).
        Parallelism.threads = 2
        let probe = HelperProbe()
        Parallelism.forEachTask(2) { _ in probe.record() }
        #expect(probe.helperRan)
    }

    @Test func forEachTaskFromSeveralThreadsAtOnce() {
        // Helpers serve one job at a time; a caller that finds them busy runs its tasks itself. Four threads
        // each run 200 jobs of 64 tasks, summing their indices into their own total.
        let old = Parallelism.threads
        defer { Parallelism.threads = old }
        Parallelism.threads = 2
        final class Totals: @unchecked Sendable {  // each thread writes only its own entry
            let sums = UnsafeMutablePointer<Int>.allocate(capacity: 4)
            init() { sums.initialize(repeating: 0, count: 4) }
            deinit { sums.deallocate() }
        }
        let totals = Totals()
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            for _ in 0..<200 {
                let parts = UnsafeMutablePointer<Int>.allocate(capacity: 64)
                parts.initialize(repeating: 0, count: 64)
                Parallelism.forEachTask(64) { k in parts[k] = k }
                totals.sums[t] += (0..<64).reduce(0) { $0 + parts[$1] }
                parts.deallocate()
            }
        }
        #expect((0..<4).map { totals.sums[$0] } == [Int](repeating: 200 * 2016, count: 4))
    }

    @Test func whatATaskCapturedIsReleasedOnTheCallingThread() {
        // A helper may still hold the job when forEachTask returns; the tasks' closure (and so a tensor it
        // captured) must still be released by the caller, or freed memory lands in the helper's block
        // cache and the caller allocates it again. Each round, the task on the calling thread waits for a
        // helper to run the other (HelperProbe), the helper then keeps the job 2 ms longer (a test hook),
        // and the captured object records on which thread it was released.
        let old = Parallelism.threads
        defer { Parallelism.threads = old }
        Parallelism.threads = 2
        Parallelism._setAfterHelperWork { usleep(2000) }
        defer { Parallelism._setAfterHelperWork(nil) }
        final class Released: @unchecked Sendable {  // written before `done` is signalled
            var offCaller = 0, helperRounds = 0
        }
        final class Witness {
            let caller = pthread_self(), released: Released
            init(_ released: Released) { self.released = released }
            deinit { if pthread_equal(pthread_self(), caller) == 0 { released.offCaller += 1 } }
        }
        let released = Released()
        for _ in 0..<50 {
            let probe = HelperProbe()
            let witness = Witness(released)
            Parallelism.forEachTask(2) { _ in
                withExtendedLifetime(witness) { probe.record() }
            }
            if probe.helperRan { released.helperRounds += 1 }
        }
        #expect(released.helperRounds == 50)
        #expect(released.offCaller == 0, "\(released.offCaller) of 50 captures released on a helper thread")
    }

    #if os(Linux)
        @Test func helpersAreKeptOffTheCallersProcessor() throws {
            // Woken on the calling thread's processor, a helper only takes turns with it. After a job the
            // helpers' affinity must leave out the processor the caller was on, and keep the rest.
            var allowed = swish_cpu_set()
            try #require(swish_thread_affinity(pthread_self(), &allowed) == 0)
            let processors = Int(swish_cpu_set_count(&allowed))
            let old = Parallelism.threads
            defer { Parallelism.threads = old }
            Parallelism.threads = 3
            var checked = 0
            for _ in 0..<20 {
                let before = swish_current_cpu()
                let probe = HelperProbe()
                Parallelism.forEachTask(2) { _ in probe.record() }
                let placement = Parallelism._helperPlacement()
                guard placement.avoided == Int(before) else { continue }  // moved between the two readings
                #expect(probe.helperRan)
                #expect(!placement.helpers.isEmpty)
                for helper in placement.helpers {
                    if processors > 1 {
                        #expect(!helper.mayRunThere, "a helper may run on the caller's processor \(before)")
                        #expect(helper.processors == processors - 1)
                    } else {
                        #expect(helper.processors == 1, "one processor: the helpers keep it")
                    }
                }
                checked += 1
            }
            #expect(checked > 0, "the calling thread moved between processors in every round")
        }
    #endif

    @Test func anOptimizerStepSharedWithHelpersGivesTheSameBits() throws {
        // Several parameters (ragged sizes, one empty, one without a gradient) adding up to more than
        // Parallelism.minimumSharedElements: one step is cut into pieces shared with a helper thread.
        let sizes = [70_001, 3, 0, 40_000, 16_384, 9]
        #expect(sizes.reduce(0, +) >= Parallelism.minimumSharedElements)
        let old = Parallelism.threads
        defer { Parallelism.threads = old }
        var finals: [[[Float]]] = []
        for threads in [1, 2] {
            Parallelism.threads = threads
            let g = Generator(seed: 21)
            let ws = sizes.map { Tensor.randn([$0], generator: g).requiresGrad_() }
            let frozen = Tensor.randn([5], generator: g).requiresGrad_()
            let targets = sizes.map { Tensor.randn([$0], generator: g) }
            let optimizers: [Optimizer] = [
                try Adam(ws + [frozen], learningRate: 1e-2), try Yogi(ws + [frozen]),
                try Adam(ws + [frozen], weightDecay: 0.1, amsgrad: true), try SGD(ws + [frozen], learningRate: 0.1, momentum: 0.9),
            ]
            for opt in optimizers {
                for _ in 0..<3 {
                    opt.zeroGrad()
                    let terms = zip(ws, targets).map { w, t in ((w - t) * (w - t)).sum() }
                    let loss = terms.dropFirst().reduce(terms[0], +)
                    loss.backward()
                    #expect(opt.step() == sizes.count, "the parameter without a gradient is skipped")
                }
            }
            #expect(optimizers.allSatisfy { $0.state(ofParameter: sizes.count) == nil })
            finals.append(ws.map(\.scalars))
        }
        for i in sizes.indices {
            #expect(Self.differing(finals[0][i], finals[1][i]) == [], "parameter \(i) of \(sizes[i]) elements")
        }
    }
}

/// Records whether a task ran off the thread that made the probe. The first task to run on that thread
/// waits (up to 5 s) until a task has run on another one, so with two tasks and a helper available a
/// helper certainly takes one; a pool that never wakes its helpers makes `helperRan` false after the wait.
private final class HelperProbe: @unchecked Sendable {
    private let caller = pthread_self()
    private let lock = NSCondition()
    private var off = false
    private var waited = false

    var helperRan: Bool { lock.withLock { off } }

    func record() {
        lock.lock()
        defer { lock.unlock() }
        if pthread_equal(pthread_self(), caller) == 0 {
            off = true
            lock.broadcast()
        } else if !waited {
            waited = true
            let deadline = Date(timeIntervalSinceNow: 5)
            while !off && lock.wait(until: deadline) {}
        }
    }
}
