import Synchronization
import _SwishShims

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Parallelism {
    /// Elements of an elementwise update below which it stays on the calling thread, and the size of the
    /// pieces it is cut into above: a piece is a few microseconds of an optimizer's update, and a helper
    /// thread takes about 20 us to wake on a two-core machine, so the update must be several pieces long
    /// before sharing it pays (scripts/bench.sh, mnist_mlp_b128_adam: 266,000 parameters).
    package static let minimumChunk = 16_384

    /// Elements below which an elementwise update stays on the calling thread: about 50 us of Adam's
    /// update, of which a helper that takes 20 us to wake can still do a useful share.
    package static let minimumSharedElements = 4 * minimumChunk

    /// Runs `body(lo, hi)` over `0..<count` in contiguous pieces of ``minimumChunk`` elements (the last
    /// one shorter), shared between the calling thread and up to ``threads`` - 1 helper threads, or on the
    /// calling thread in one call when `count` is below ``minimumSharedElements`` or ``threads`` is 1. Piece
    /// boundaries are multiples of 16 elements (whole cache lines) and pieces do not overlap, so an
    /// elementwise update gives the same bits however it is cut. `body` must only touch its piece.
    package static func forEachChunk(_ count: Int, _ body: @escaping (_ lo: Int, _ hi: Int) -> Void) {
        guard count >= minimumSharedElements, threads > 1 else {
            body(0, count)
            return
        }
        forEachTask((count + minimumChunk - 1) / minimumChunk) { k in body(k * minimumChunk, Swift.min(count, (k + 1) * minimumChunk)) }
    }

    /// Runs `body(0)`, ..., `body(count - 1)`, each exactly once and in no set order, on the calling
    /// thread and on up to ``threads`` - 1 helper threads, returning when all have run. Tasks are handed
    /// out one at a time from a shared counter, so a helper that wakes late (or not at all, when another
    /// thread is using the helpers) only means the calling thread does more of them itself. Helpers
    /// compute in the caller's floating-point mode (``setFlushDenormal(_:)``), so the results do not
    /// depend on which thread ran which task. `body` must not throw, and tasks must not touch each other's
    /// data.
    ///
    /// Used for the optimizers' updates, which are elementwise and bound by the divider and memory:
    /// OpenBLAS's threads are idle between products, and the update was a training step's largest cost on
    /// one thread.
    package static func forEachTask(_ count: Int, _ body: @escaping (Int) -> Void) {
        let helpers = Swift.min(threads, count) - 1
        guard helpers > 0 else {
            for k in 0..<count { body(k) }
            return
        }
        HelperThreads.shared.run(Job(count: count, helpers: helpers, body: body))
    }
}

extension Parallelism {
    /// Tests only: sets code a helper runs after its share of each job while it still holds the job, to
    /// widen the window in which the calling thread may already have returned (nil: none).
    package static func _setAfterHelperWork(_ hook: (@Sendable () -> Void)?) {
        HelperThreads.shared.setAfterWork(hook)
    }

    #if os(Linux)
        /// Tests only: the processor the helpers were last kept off (-1: none yet), and for each helper
        /// whether it may run there and how many processors it may run on.
        package static func _helperPlacement() -> (avoided: Int, helpers: [(mayRunThere: Bool, processors: Int)]) {
            HelperThreads.shared.placement()
        }
    #endif
}

/// One call of ``Parallelism/forEachTask(_:_:)``: its tasks, handed out through `next`.
private final class Job: @unchecked Sendable {
    let count: Int
    /// Helper threads that may join (``Parallelism/threads`` - 1 when the job started).
    let helpers: Int
    /// The tasks' code; dropped by the calling thread once every task has run (``drop()``), so whatever
    /// it captured is released on that thread even if a helper still holds this job. (A helper releasing
    /// a captured tensor last would put its memory in the helper's block cache, out of the caller's
    /// reach: the wide workload's gradients, 100 MB, were allocated again when that happened.)
    @exclusivity(unchecked) private var body: ((Int) -> Void)?
    let mode = FloatingPointMode.current
    /// The next task to hand out (counts past `count` once all are out).
    let next = Atomic<Int>(0)
    /// Tasks finished.
    let finished = Atomic<Int>(0)
    /// Helpers that have joined.
    let joined = Atomic<Int>(0)

    init(count: Int, helpers: Int, body: @escaping (Int) -> Void) {
        (self.count, self.helpers, self.body) = (count, helpers, body)
    }

    /// Takes tasks until none is left. `body` is read only for a task taken, so never after ``drop()``.
    func work() {
        while true {
            let k = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard k < count else { return }
            body!(k)
            // Releasing: what the task wrote is visible to the caller once it has seen the count.
            finished.wrappingAdd(1, ordering: .releasing)
        }
    }

    /// Releases `body`; called by the calling thread after it has seen every task finished.
    func drop() { body = nil }
}

/// The threads that help ``Parallelism/forEachTask(_:_:)``: started on first use, then waiting on a
/// condition variable for the next job, for the life of the process. One job at a time: a caller that
/// finds them busy (another thread's job) runs its own tasks alone. On Linux each job first keeps the
/// helpers off the caller's processor (within the processors they started with).
private final class HelperThreads: @unchecked Sendable {
    static let shared = HelperThreads()

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    /// Guarded by `mutex`: the current job, a count of jobs posted (so a helper knows a job is new) and
    /// the helpers started.
    private var job: Job?
    private var posted: UInt64 = 0
    private var started = 0
    private var afterWork: (@Sendable () -> Void)? = nil
    /// Whether a job is running (taken without waiting, so a second caller never blocks on the first).
    private let busy = Atomic<Bool>(false)
    #if os(Linux)
        /// Guarded by `mutex`: each helper and the processors it started with (its creator's).
        private var helperThreads: [(thread: pthread_t, allowed: swish_cpu_set)] = []
        /// The processor the helpers were last told to avoid: the calling thread's, while `busy` is held.
        private var avoided: Int32 = -1
    #endif

    private init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        wake = .allocate(capacity: 1)
        wake.initialize(to: pthread_cond_t())
        pthread_cond_init(wake, nil)
    }

    func run(_ job: Job) {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            job.work()
            return
        }
        pthread_mutex_lock(mutex)
        while started < job.helpers && startHelper() { started += 1 }
        #if os(Linux)
            // Keep the helpers off this thread's processor. The kernel tends to wake a helper where its
            // waker runs, and there it only takes turns with this thread: in the mnist workload, with
            // OpenBLAS's threads spinning on the other core, 3 steps in 4 had the helper on the caller's
            // processor and took longer than one thread alone. One system call per helper, only when
            // this thread has moved since the last job.
            let cpu = swish_current_cpu()
            if cpu != avoided {
                avoided = cpu
                for i in helperThreads.indices {
                    _ = swish_thread_avoid_cpu(helperThreads[i].thread, &helperThreads[i].allowed, cpu)
                }
            }
        #endif
        self.job = job
        posted &+= 1
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)

        job.work()
        // Every task is handed out; wait for the ones helpers are still running (one each at most, a few
        // microseconds). Spin for about that long, then yield: a helper woken onto this thread's own
        // processor can only finish once this thread lets it run.
        var spins = 0
        while job.finished.load(ordering: .acquiring) < job.count {
            spins += 1
            if spins < 1024 { swish_spin_pause() } else { sched_yield() }
        }
        job.drop()
        pthread_mutex_lock(mutex)
        self.job = nil
        pthread_mutex_unlock(mutex)
        busy.store(false, ordering: .releasing)
    }

    #if os(Linux)
        func placement() -> (avoided: Int, helpers: [(mayRunThere: Bool, processors: Int)]) {
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            let cpu = Int(avoided)
            return (cpu, helperThreads.map { helper in
                var now = swish_cpu_set()
                guard swish_thread_affinity(helper.thread, &now) == 0 else { return (true, 0) }
                return (swish_cpu_set_has(&now, Int32(cpu)), Int(swish_cpu_set_count(&now)))
            })
        }
    #endif

    func setAfterWork(_ hook: (@Sendable () -> Void)?) {
        pthread_mutex_lock(mutex)
        afterWork = hook
        pthread_mutex_unlock(mutex)
    }

    /// Starts one more helper; false if the system refuses a thread (the caller then does more itself).
    private func startHelper() -> Bool {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        #if canImport(Darwin)
            var thread: pthread_t? = nil
        #else
            var thread = pthread_t()
        #endif
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, &attributes, { context in
            #if canImport(Darwin)
                let pool = Unmanaged<HelperThreads>.fromOpaque(context).takeRetainedValue()
            #else
                let pool = Unmanaged<HelperThreads>.fromOpaque(context!).takeRetainedValue()
            #endif
            pool.serve()
        }, context)
        if rc != 0 { Unmanaged<HelperThreads>.fromOpaque(context).release() }
        #if os(Linux)
            if rc == 0 {
                var allowed = swish_cpu_set()
                if swish_thread_affinity(thread, &allowed) == 0 {
                    helperThreads.append((thread, allowed))
                    avoided = -1  // tell the new helper too
                }
            }
        #endif
        return rc == 0
    }

    /// A helper's life: wait for a job it has not seen, join it if it is still wanted, repeat.
    private func serve() -> Never {
        var seen: UInt64 = 0
        pthread_mutex_lock(mutex)
        while true {
            while posted == seen { pthread_cond_wait(wake, mutex) }
            seen = posted
            guard let job else { continue }  // finished before this helper woke
            let afterWork = afterWork
            pthread_mutex_unlock(mutex)
            if job.joined.wrappingAdd(1, ordering: .relaxed).oldValue < job.helpers {
                job.mode.apply { job.work() }
            }
            if let afterWork { withExtendedLifetime(job) { afterWork() } }
            pthread_mutex_lock(mutex)
        }
    }
}
