#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Synchronization

/// A per-thread cache of freed tensor memory, by size class, so a training step reuses the blocks the
/// previous step freed instead of calling the system allocator for every intermediate tensor.
///
/// Why: a training step allocates and frees the same sizes over and over. Through `posix_memalign`/`free`
/// that was about a third of a small step's instructions (scripts/profile.sh), and above glibc's mmap
/// threshold (32 MB) every large gradient was a fresh mmap whose pages faulted in again each step.
///
/// Blocks are 64-byte aligned and rounded up to a size class: multiples of 64 bytes up to 4 KiB, then
/// four classes per power of two (at most 25% slack). A freed block goes to the freeing thread's cache
/// (an intrusive list: the block's first word links to the next) unless that cache already holds
/// ``limit`` bytes; then it goes back to the system. A thread's cache is released when the thread exits,
/// and ``BlockCache/releaseCached()`` empties the calling thread's cache at any time.
package final class BlockCache: ThreadLocalValue {
    /// Bytes a thread may keep cached (default: a quarter of physical memory, at most 4 GiB).
    package static let limit: Int = Swift.min(MemoryLimit.physicalMemory / 4, 4 << 30)

    private static let classCount = 64 + 51 * 4
    /// The first free block of each size class (a fixed table, not an Array: an Array written in place is
    /// checked for uniqueness on every write).
    private let heads: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    /// ``limit``, copied here so a free reads no lazily initialized global.
    private let capacity = BlockCache.limit
    @exclusivity(unchecked) private var cachedBytes = 0

    package init() {
        heads = .allocate(capacity: BlockCache.classCount)
        heads.initialize(repeating: nil, count: BlockCache.classCount)
    }

    private static let local = ThreadLocal<BlockCache>(.blockCache)
    @inline(__always) static var current: BlockCache { local.value }

    /// The size class of a request: its index and the bytes actually reserved.
    @inline(__always)
    static func sizeClass(_ bytes: Int) -> (index: Int, size: Int) {
        if bytes <= 4096 {
            let size = Swift.max(64, (bytes + 63) & ~63)
            return (size / 64 - 1, size)
        }
        let p = Int.bitWidth - (bytes - 1).leadingZeroBitCount  // 2^(p-1) <= bytes-1 < 2^p
        let base = 1 << (p - 1), step = base / 4
        let k = (bytes - 1 - base) / step
        return (64 + (p - 13) * 4 + k, base + (k + 1) * step)
    }

    /// A block of at least `bytes` bytes (`bytes` already checked against the memory limit), or nil
    /// when the system has no memory for it.
    @inline(__always)
    static func allocate(_ bytes: Int) -> UnsafeMutableRawPointer? {
        let (index, size) = sizeClass(bytes)
        let cached: UnsafeMutableRawPointer? = local.withValue { cache in
            guard let block = cache.heads[index] else { return nil }
            cache.heads[index] = block.load(as: UnsafeMutableRawPointer?.self)
            cache.cachedBytes -= size
            return block
        }
        if let cached { return cached }
        var raw: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&raw, 64, size) == 0 else { return nil }
        return raw
    }

    /// Takes back a block of `bytes` bytes (the same count it was allocated with).
    @inline(__always)
    static func free(_ block: UnsafeMutableRawPointer, bytes: Int) {
        let (index, size) = sizeClass(bytes)
        let kept = local.withValue { cache in
            guard cache.cachedBytes + size <= cache.capacity else { return false }
            block.storeBytes(of: cache.heads[index], as: UnsafeMutableRawPointer?.self)
            cache.heads[index] = block
            cache.cachedBytes += size
            return true
        }
        if !kept { Glibc.free(block) }
    }

    /// Returns every block cached by the calling thread to the system.
    package static func releaseCached() { current.releaseAll() }

    /// Bytes cached by the calling thread.
    package static var cachedByThisThread: Int { current.cachedBytes }

    private func releaseAll() {
        for i in 0..<BlockCache.classCount {
            var block = heads[i]
            while let b = block {
                block = b.load(as: UnsafeMutableRawPointer?.self)
                Glibc.free(b)
            }
            heads[i] = nil
        }
        cachedBytes = 0
    }

    deinit {
        releaseAll()
        heads.deallocate()
    }
}
