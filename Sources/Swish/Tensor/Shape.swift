/// The sizes of a tensor's dimensions: up to ``Shape/maxRank`` of them, stored inline (no heap allocation).
///
/// `Shape` is a collection of `Int`, so it compares and prints like an array:
/// ```swift
/// let x = Tensor.zeros([2, 3])
/// x.shape == [2, 3]   // true
/// x.shape[1]          // 3
/// ```
public struct Shape: RandomAccessCollection, Hashable, ExpressibleByArrayLiteral, CustomStringConvertible,
    Sendable
{
    /// The largest number of dimensions a tensor may have.
    public static let maxRank = 8

    @usableFromInline var _dims: InlineArray<8, Int>
    @usableFromInline var _rank: Int

    /// A shape from a list of sizes. Traps if the list is invalid; use ``Shape/validated(_:)`` to get an error.
    public init(_ dims: some Collection<Int>) {
        self = _trap { try Shape.validated(dims) }
    }

    public init(arrayLiteral elements: Int...) { self.init(elements) }

    /// The shape of a 0-d (scalar) tensor.
    public static var scalar: Shape { Shape(_unchecked: 0) }

    /// `[n]` and `[m, n]` without going through an array (an array literal is validated as a
    /// collection, an allocation in the middle of every op that uses one). Allocation checks the sizes.
    package static func vector(_ n: Int) -> Shape {
        var s = Shape(_unchecked: 1)
        s._dims[0] = n
        return s
    }

    package static func matrix(_ m: Int, _ n: Int) -> Shape {
        var s = Shape(_unchecked: 2)
        s._dims[0] = m
        s._dims[1] = n
        return s
    }

    @inlinable init(_unchecked rank: Int) {
        _dims = InlineArray(repeating: 0)
        _rank = rank
    }

    /// A shape from sizes, checking rank, signs and that the element count fits in an `Int`.
    public static func validated(_ dims: some Collection<Int>) throws -> Shape {
        guard dims.count <= maxRank else {
            throw SwishError.invalidArgument("a tensor has at most \(maxRank) dimensions, got \(dims.count)")
        }
        var s = Shape(_unchecked: dims.count)
        var n = 1
        for (i, d) in dims.enumerated() {
            guard d >= 0 else {
                throw SwishError.invalidArgument("dimension \(i) has negative size \(d)")
            }
            let (p, o) = n.multipliedReportingOverflow(by: d)
            guard !o else {
                throw SwishError.invalidArgument("shape \(Array(dims)) has more elements than fit in 64 bits")
            }
            n = p
            s._dims[i] = d
        }
        return s
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { _rank }
    /// The number of dimensions.
    public var rank: Int { _rank }

    @inlinable public subscript(i: Int) -> Int {
        get { _dims[i] }
        set { _dims[i] = newValue }
    }

    /// The number of elements: the product of the sizes (1 for a scalar).
    @inlinable public var numel: Int {
        var n = 1
        for i in 0..<_rank { n &*= _dims[i] }
        return n
    }

    public static func == (a: Shape, b: Shape) -> Bool {
        guard a._rank == b._rank else { return false }
        for i in 0..<a._rank where a._dims[i] != b._dims[i] { return false }
        return true
    }

    public func hash(into h: inout Hasher) {
        h.combine(_rank)
        for i in 0..<_rank { h.combine(_dims[i]) }
    }

    /// `[2, 3]`
    public var description: String { "[" + map(String.init).joined(separator: ", ") + "]" }

    /// The sizes as an array.
    public var array: [Int] { Array(self) }

    /// Resolves a possibly negative dim (`-1` is the last) against this rank, or throws.
    package func normalize(dim: Int) throws -> Int {
        let r = Swift.max(_rank, 1)  // a 0-d tensor accepts dim 0 and -1, as in PyTorch
        guard dim >= -r && dim < r else {
            throw SwishError.invalidArgument(
                "Dimension out of range (expected to be in range of [\(-r), \(r - 1)], but got \(dim))")
        }
        return dim < 0 ? dim + r : dim
    }

    /// This shape with dimension `dim` removed.
    package func removing(_ dim: Int) -> Shape {
        var s = Shape(_unchecked: _rank - 1)
        var j = 0
        for i in 0..<_rank where i != dim {
            s._dims[j] = _dims[i]
            j += 1
        }
        return s
    }

    /// This shape with dimension `dim` set to `size`.
    package func replacing(_ dim: Int, with size: Int) -> Shape {
        var s = self
        s._dims[dim] = size
        return s
    }

    /// Product of the sizes in `range`. A product that overflows is 0: it can only come from the sizes
    /// beside a 0 in a shape whose tensor is empty (allocation validates every shape, so a tensor's
    /// element count always fits), so loops over it must do nothing.
    package func product(_ range: Range<Int>) -> Int {
        var n = 1
        for i in range {
            let (p, o) = n.multipliedReportingOverflow(by: _dims[i])
            if o { return 0 }
            n = p
        }
        return n
    }

    /// The number of elements, checked as ``validated(_:)`` checks a new shape (a size set through the
    /// subscript may be negative or make the product overflow). The same loop as `numel` in the common
    /// case: allocation calls this for every tensor.
    package func checkedNumel() throws -> Int {
        var n = 1
        for i in 0..<_rank {
            let d = _dims[i]
            let (p, o) = n.multipliedReportingOverflow(by: d)
            guard d >= 0, !o else { return try Shape.validated(self).numel }  // throws the error
            n = p
        }
        return n
    }

    /// The broadcast of two shapes under NumPy/PyTorch rules, or a shape error.
    package static func broadcast(_ a: Shape, _ b: Shape) throws -> Shape {
        if a == b { return a }
        let r = Swift.max(a._rank, b._rank)
        var s = Shape(_unchecked: r)
        for i in 0..<r {
            let da = i < r - a._rank ? 1 : a._dims[i - (r - a._rank)]
            let db = i < r - b._rank ? 1 : b._dims[i - (r - b._rank)]
            guard da == db || da == 1 || db == 1 else {
                throw SwishError.shape(
                    "The size of tensor a (\(da)) must match the size of tensor b (\(db)) at non-singleton dimension \(i); shapes \(a) and \(b)"
                )
            }
            s._dims[i] = da == 1 ? db : da
        }
        return s
    }
}
