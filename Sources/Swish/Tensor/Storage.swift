#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Synchronization

/// Allocation of the float32 blocks tensors live in.
///
/// Every block goes through ``TensorMemory/allocate(count:zeroed:)``, which checks the byte count for
/// overflow and against ``MemoryLimit`` and reports failure as ``SwishError/outOfMemory(_:)`` instead of
/// trapping. A block is 64-byte aligned so vector loops and BLAS see aligned rows, and comes from the
/// calling thread's ``BlockCache``.
package enum TensorMemory {
    /// A block for `count` floats and the bytes reserved for it (what ``BlockCache/free(_:bytes:)`` takes back).
    @inline(__always)
    package static func allocate(count: Int, zeroed: Bool = false) throws -> (
        block: UnsafeMutableRawPointer, bytes: Int
    ) {
        let bytes = Swift.max(try MemoryLimit.bytes(forFloats: count), 64)
        guard let raw = BlockCache.allocate(bytes) else {
            throw SwishError.outOfMemory("could not allocate \(bytes) bytes for a tensor of \(count) elements")
        }
        if zeroed { memset(raw, 0, bytes) }
        return (raw, bytes)
    }
}

/// The shared owner of a block that more than one tensor views.
///
/// A tensor frees the block it allocated itself, with no second object, as long as it is the block's
/// only user: most tensors (every op's result, every gradient) never are viewed. The first view made of
/// it hands the block to a `Storage`, which the tensor and all its views then hold, and which frees the
/// block when the last of them goes.
package final class Storage {
    package let block: UnsafeMutableRawPointer
    private let bytes: Int
    /// Cleared on a `Storage` that lost the race to become a block's owner (two threads viewing one
    /// tensor for the first time at once): it goes without freeing the block the winner now owns.
    @exclusivity(unchecked) var ownsBlock = true

    init(adopting block: UnsafeMutableRawPointer, bytes: Int) {
        self.block = block
        self.bytes = bytes
    }

    deinit { if ownsBlock { BlockCache.free(block, bytes: bytes) } }
}

/// The checked allocator's limit: no single tensor may be larger than this many bytes.
///
/// By default it is the machine's physical memory, so a request that could only succeed by overcommitting
/// (and later be killed by the OOM killer) fails up front with ``SwishError/outOfMemory(_:)``.
public enum MemoryLimit {
    private static let _limit = Atomic<Int>(0)

    /// The largest tensor, in bytes, the allocator accepts. 0 means "physical memory".
    public static var bytes: Int {
        get { _limit.load(ordering: .relaxed) }
        set { _limit.store(Swift.max(0, newValue), ordering: .relaxed) }
    }

    /// The machine's physical memory in bytes (Int.max when the system does not say).
    static var physicalMemory: Int {
        // Kept in an atomic rather than a lazy `static let`, whose every read goes through swift_once:
        // this is read for every tensor allocated. Two threads racing here store the same value.
        let known = _physicalMemory.load(ordering: .relaxed)
        if known != 0 { return known }
        let pages = sysconf(Int32(_SC_PHYS_PAGES))
        let size = sysconf(Int32(_SC_PAGESIZE))
        let (p, o) = pages.multipliedReportingOverflow(by: size)
        let bytes = pages > 0 && size > 0 && !o ? p : Int.max
        _physicalMemory.store(bytes, ordering: .relaxed)
        return bytes
    }
    private static let _physicalMemory = Atomic<Int>(0)

    /// Bytes needed for `count` floats, or an out-of-memory error when that overflows or exceeds the limit.
    /// Asked for every tensor allocated: the usual case is a few loads and compares, inlined.
    @inline(__always)
    package static func bytes(forFloats count: Int) throws -> Int {
        let limit = _limit.load(ordering: .relaxed)
        let known = limit != 0 ? limit : _physicalMemory.load(ordering: .relaxed)
        // count <= known / 4 also rules out a negative count and an overflowing product.
        if count >= 0 && known != 0 && count <= known / MemoryLayout<Float>.stride {
            return count &* MemoryLayout<Float>.stride
        }
        return try checkedBytes(forFloats: count)
    }

    @inline(never)
    private static func checkedBytes(forFloats count: Int) throws -> Int {
        guard count >= 0 else { throw SwishError.invalidArgument("negative element count \(count)") }
        let (b, o) = count.multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
        let limit = bytes == 0 ? physicalMemory : bytes
        guard !o, b <= limit else {
            throw SwishError.outOfMemory(
                "a tensor of \(count) elements needs more memory than the allocator allows (\(limit) bytes)")
        }
        return b
    }
}
