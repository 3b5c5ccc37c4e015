import Testing

@testable import Swish

// Creation and queries: from a buffer, zeros/ones/full/arange, 0-d and empty tensors, the rank limit,
// invalid sizes, item, zero-copy access, and comparisons (values and dtype).

/// The case of a SwishError, to check that an error is the documented kind and not just any error.
func errorKind(_ e: SwishError) -> String {
    switch e {
    case .invalidArgument: "invalidArgument"
    case .shape: "shape"
    case .outOfMemory: "outOfMemory"
    case .io: "io"
    case .format: "format"
    case .state: "state"
    case .callback: "callback"
    case .internal: "internal"
    }
}

/// Expects `body` to throw a SwishError of kind `kind` (see ``errorKind(_:)``) whose message contains
/// `containing`, and returns the error.
@discardableResult
func expectSwishError<R>(
    _ kind: String, containing: String = "", sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> R
) -> SwishError? {
    let e = #expect(throws: SwishError.self, sourceLocation: sourceLocation) { _ = try body() }
    if let e {
        #expect(errorKind(e) == kind, "error \(e) is \(errorKind(e)), expected \(kind)", sourceLocation: sourceLocation)
        if !containing.isEmpty {
            #expect(e.message.contains(containing), "message: \(e.message)", sourceLocation: sourceLocation)
        }
    }
    return e
}

@Suite struct TensorTests {
    @Test func fromBuffer() throws {
        let t = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(t.shape == [2, 3] && t.ndim == 2 && t.numel == 6 && t.dtype == .float32)
        #expect(t.scalars == [1, 2, 3, 4, 5, 6])
        #expect(t.size(0) == 2 && t.size(-1) == 3)
        #expect(t.isLeaf && !t.requiresGrad && t.grad == nil)
        let v = Tensor([1, 2, 3])
        #expect(v.shape == [3])
        // The copy is independent of the array it came from.
        var source: [Float] = [1, 2]
        let c = Tensor(source, shape: [2])
        source[0] = 9
        #expect(c.scalars == [1, 2])
        expectSwishError("shape", containing: "needs 6 values, got 5") {
            try [Float](repeating: 0, count: 5).withUnsafeBufferPointer { try Tensor._from($0, shape: [2, 3]) }
        }
        let empty = try [Float]().withUnsafeBufferPointer { try Tensor._from($0, shape: [0, 3]) }
        #expect(empty.shape == [0, 3])
    }

    @Test func fillers() {
        #expect(Tensor.zeros([2, 2]).scalars == [0, 0, 0, 0])
        #expect(Tensor.ones([3]).scalars == [1, 1, 1])
        #expect(Tensor.full([2, 1], 42).scalars == [42, 42])
        #expect(Tensor.full([2], -.infinity).scalars == [-.infinity, -.infinity])
        #expect(Tensor.full([1], .nan).scalars[0].isNaN)
        #expect(Tensor.zeros([2], requiresGrad: true).requiresGrad)
        #expect(Tensor.ones([2, 3]).zerosLike().shape == [2, 3] && Tensor.zeros([4]).onesLike().scalars == [1, 1, 1, 1])
        // Negative zero stays negative zero.
        #expect(Tensor.full([1], -0.0).scalars[0].sign == .minus)
    }

    @Test func arange() throws {
        #expect(Tensor.arange(5).scalars == [0, 1, 2, 3, 4])
        #expect(Tensor.arange(1, 2.5, step: 0.5).scalars == [1, 1.5, 2])
        #expect(Tensor.arange(3, 0, step: -1).scalars == [3, 2, 1])
        #expect(Tensor.arange(2, 2).shape == [0])
        expectSwishError("invalidArgument") { try Tensor._arange(start: 0, end: 1, step: 0) }
        expectSwishError("invalidArgument", containing: "inconsistent") { try Tensor._arange(start: 0, end: 1, step: -1) }
        expectSwishError("invalidArgument") { try Tensor._arange(start: 0, end: .nan, step: 1) }
        expectSwishError("invalidArgument") { try Tensor._arange(start: 0, end: .infinity, step: 1) }
        expectSwishError("invalidArgument") { try Tensor._arange(start: 0, end: 1e30, step: 1e-30) }
    }

    @Test func zeroDimensional() throws {
        let s = Tensor(3.5)
        #expect(s.ndim == 0 && s.shape == .scalar && s.shape.isEmpty && s.numel == 1 && s.item() == 3.5)
        #expect(s.scalars == [3.5])
        let lit: Tensor = 2
        #expect(lit.ndim == 0 && lit.item() == 2)
        #expect((s + lit).item() == 5.5 && (s * Tensor([1, 2])).scalars == [3.5, 7])
        #expect(s.sum().ndim == 0 && s.reshape([1, 1]).shape == [1, 1] && Tensor([4]).reshape([]).ndim == 0)
        // A 0-d tensor has no dimension to ask the size of (PyTorch: IndexError).
        expectSwishError("invalidArgument", containing: "no dimensions") { try s._size(0) }
        expectSwishError("invalidArgument") { try Tensor([1, 2])._size(1) }
        #expect(try Tensor([1, 2])._size(-1) == 2)
    }

    @Test func emptyTensors() throws {
        let e = Tensor.zeros([0, 3])
        #expect(e.numel == 0 && e.ndim == 2 && e.scalars.isEmpty)
        #expect((e + 1).shape == [0, 3] && e.sum().item() == 0 && e.sum(dim: 0).scalars == [0, 0, 0])
        #expect(e.mean().item().isNaN, "mean of nothing is NaN, as in PyTorch")
        #expect(e.matmul(Tensor.ones([3, 2])).shape == [0, 2])
        #expect(Tensor.zeros([2, 0]).matmul(Tensor.zeros([0, 3])).scalars == [0, 0, 0, 0, 0, 0])
        #expect(e.t().shape == [3, 0] && e.reshape([-1, 3]).shape == [0, 3] && e.unsqueeze(1).shape == [0, 1, 3])
        #expect(e.withUnsafeBufferPointer { $0.count } == 0)
        expectSwishError("invalidArgument") { try Tensor._max(e) }
        expectSwishError("invalidArgument") { try Tensor._max(e, dim: 0, keepdim: false) }
        #expect(try Tensor._max(e, dim: 1, keepdim: false).values.shape == [0])
        expectSwishError("shape") { try Tensor._reshape(e, [0, -1]) }
    }

    @Test func rankLimit() throws {
        let eight: Shape = [1, 2, 1, 2, 1, 2, 1, 2]
        let x = Tensor.ones(eight)
        #expect(x.ndim == 8 && x.numel == 16)
        #expect((x + x).sum().item() == 32 && x.transpose(0, 7).shape == [2, 2, 1, 2, 1, 2, 1, 1])
        #expect(x.sum(dim: 7, keepdim: true).shape == [1, 2, 1, 2, 1, 2, 1, 1])
        expectSwishError("invalidArgument", containing: "at most 8 dimensions") {
            try Shape.validated([1, 1, 1, 1, 1, 1, 1, 1, 1])
        }
        expectSwishError("invalidArgument") { try Tensor._unsqueeze(x, 0) }
        expectSwishError("invalidArgument") { try Tensor._reshape(Tensor([1]), [1, 1, 1, 1, 1, 1, 1, 1, 1]) }
        // Broadcasting two 8-d shapes stays within the limit.
        #expect((x + Tensor.ones([2, 1, 2, 1, 2, 1, 2, 1])).shape == [2, 2, 2, 2, 2, 2, 2, 2])
    }

    @Test func invalidSizes() throws {
        expectSwishError("invalidArgument", containing: "negative size -1") { try Shape.validated([2, -1]) }
        expectSwishError("invalidArgument", containing: "64 bits") { try Shape.validated([Int.max, 2]) }
        expectSwishError("invalidArgument", containing: "64 bits") { try Shape.validated([1 << 32, 1 << 32]) }
        // A zero anywhere makes any other size fine (no elements).
        #expect(try Shape.validated([0, Int.max]).numel == 0)
        // Sizes that fit in 64 bits but not in memory are out-of-memory errors, not traps.
        expectSwishError("outOfMemory") { try Tensor(zeroed: try Shape.validated([1 << 40, 1 << 20])) }
        expectSwishError("outOfMemory") { try Tensor(uninitialized: try Shape.validated([1 << 42])) }
        expectSwishError("outOfMemory") { try Tensor._full(try Shape.validated([1 << 61]), 1) }
        expectSwishError("invalidArgument") { try Tensor._reshape(Tensor([1, 2]), [-2, 1]) }
        expectSwishError("invalidArgument", containing: "only one dimension can be inferred") {
            try Tensor._reshape(Tensor([1, 2]), [-1, -1])
        }
        expectSwishError("shape", containing: "invalid for input of size 6") { try Tensor._reshape(Tensor.zeros([2, 3]), [4, -1]) }
        expectSwishError("invalidArgument") { try Tensor._reshape(Tensor([1]), [Int.max, Int.max]) }
    }

    /// Shape's subscript is settable. A size edited to overflow the element count (numel wraps to 0) is
    /// refused when a tensor is allocated, instead of giving a tensor whose memory is smaller than its shape.
    @Test func editedShapesAreValidatedOnAllocation() {
        var s: Shape = [2, 2]
        s[0] = 1 << 62
        s[1] = 4
        expectSwishError("invalidArgument", containing: "64 bits") { try Tensor(zeroed: s) }
        expectSwishError("invalidArgument", containing: "64 bits") { try Tensor(uninitialized: s) }
        expectSwishError("invalidArgument", containing: "64 bits") { try Tensor._full(s, 1) }
        var n: Shape = [3]
        n[0] = -1
        expectSwishError("invalidArgument", containing: "negative") { try Tensor._full(n, 1) }
    }

    @Test func shapeValue() throws {
        let s = try Shape.validated([2, 3, 4])
        #expect(s == [2, 3, 4] && s.rank == 3 && s.numel == 24 && s.array == [2, 3, 4])
        #expect(s.description == "[2, 3, 4]" && Shape.scalar.description == "[]")
        #expect(Shape.scalar.numel == 1 && Shape([0, 5]).numel == 0)
        #expect(s != [2, 3] && Set([s, Shape([2, 3, 4])]).count == 1)
        #expect(try s.normalize(dim: -1) == 2 && Shape.scalar.normalize(dim: -1) == 0)
        expectSwishError("invalidArgument", containing: "Dimension out of range") { try s.normalize(dim: 3) }
        #expect(try Shape.broadcast([3, 1], [1, 4]) == [3, 4] && Shape.broadcast([2, 3], []) == [2, 3])
        expectSwishError("shape", containing: "must match") { try Shape.broadcast([2, 3], [4]) }
    }

    @Test func item() {
        #expect(Tensor([7], shape: [1, 1]).item() == 7)
        expectSwishError("invalidArgument", containing: "2 elements cannot be converted") { try Tensor([1, 2]).itemChecked() }
        expectSwishError("invalidArgument") { try Tensor.zeros([0]).itemChecked() }
    }

    @Test func zeroCopyAccess() throws {
        let t = Tensor([1, 2, 3, 4], shape: [2, 2])
        let view = t[1]
        let flat = t.reshape([4])
        t.withUnsafeMutableBufferPointer { p in
            #expect(p.count == 4)
            p[3] = 40
        }
        #expect(view.scalars == [3, 40] && flat.scalars == [1, 2, 3, 40])
        view.withUnsafeMutableBufferPointer { $0[0] = 30 }
        #expect(t.scalars == [1, 2, 30, 40])
        let sum: Float = t.withUnsafeBufferPointer { $0.reduce(0) { $0 + $1 } }
        #expect(sum == 73)
        // Checked element access (what the C API uses).
        #expect(try t._element(at: [1, -1]) == 40)
        try t._setElement(at: [0, 1], 20)
        #expect(t.scalars == [1, 20, 30, 40])
        expectSwishError("invalidArgument", containing: "out of bounds") { try t._element(at: [2, 0]) }
        expectSwishError("invalidArgument", containing: "needs 2 coordinates") { try t._element(at: [0]) }
        // copy out is a copy.
        var out = t.scalars
        out[0] = 100
        #expect(t.scalars[0] == 1)
    }

    /// Bad arguments to ops are errors of the documented kind, never traps, and record nothing.
    @Test func opsRejectInvalidArguments() throws {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3], requiresGrad: true)
        let v = Tensor([1, 2])
        expectSwishError("shape", containing: "must match") { try Tensor._add(x, v) }
        expectSwishError("shape") { try Tensor._mul(x, Tensor.ones([3, 3])) }
        expectSwishError("shape", containing: "cannot be multiplied") { try Tensor._matmul(x, x) }
        expectSwishError("shape") { try Tensor._matmul(Tensor.ones([2, 2, 3]), Tensor.ones([3, 3, 2])) }
        expectSwishError("invalidArgument", containing: "at least 1D") { try Tensor._matmul(Tensor(1), x) }
        expectSwishError("invalidArgument", containing: "Dimension out of range") { try Tensor._transpose(x, 0, 2) }
        expectSwishError("invalidArgument", containing: "<= 2 dimensions") { try Tensor._t(Tensor.ones([1, 1, 1])) }
        expectSwishError("invalidArgument", containing: "out of bounds") { try Tensor._select(x, dim: 1, index: 3) }
        expectSwishError("invalidArgument") { try Tensor._select(Tensor(1), dim: 0, index: 0) }
        expectSwishError("invalidArgument") { try Tensor._squeeze(x, 2) }
        expectSwishError("invalidArgument") { try Tensor._unsqueeze(x, 3) }
        expectSwishError("invalidArgument", containing: "start_dim cannot come after end_dim") {
            try Tensor._flatten(Tensor.ones([2, 2, 2]), start: 2, end: 1)
        }
        expectSwishError("invalidArgument") { try Tensor._sum(x, dim: -3, keepdim: false) }
        expectSwishError("invalidArgument") { try Tensor._mean(x, dim: 2, keepdim: true) }
        expectSwishError("invalidArgument") { try Tensor._max(x, dim: 5, keepdim: false) }
        expectSwishError("invalidArgument") { try Tensor._argmax(x, dim: -4, keepdim: false) }
        expectSwishError("invalidArgument") { try Tensor._argmax(Tensor.zeros([0])) }
        expectSwishError("invalidArgument", containing: "'min' or 'max'") { try Tensor._clamp(x, min: nil, max: nil) }
        expectSwishError("invalidArgument") { try Tensor._softmax(x, dim: 2) }
        expectSwishError("invalidArgument") { try Tensor._logSoftmax(x, dim: -3) }
        expectSwishError("invalidArgument") { try Tensor._leakyRelu(x, negativeSlope: .nan) }
        expectSwishError("shape") { try Tensor._compare(x, v, .lt) }
        expectSwishError("shape") { try x.detach()._copy(from: Tensor.ones([3, 2])) }
        #expect(x.grad == nil && x.scalars == [1, 2, 3, 4, 5, 6])
    }

    @Test func comparisons() throws {
        let a = Tensor([1, 2, 3, .nan])
        let b = Tensor([2, 2, 1, .nan])
        #expect((a == b).scalars == [0, 1, 0, 0] && (a == b).dtype == .bool)
        #expect((a != b).scalars == [1, 0, 1, 1])
        #expect((a > b).scalars == [0, 0, 1, 0] && (a < b).scalars == [1, 0, 0, 0])
        #expect((a >= b).scalars == [0, 1, 1, 0] && (a <= b).scalars == [1, 1, 0, 0])
        // Literals and Float variables compare as scalars (the seed's `while X.abs().sum() > 1`).
        let limit: Float = 2
        #expect((a > 1).scalars == [0, 1, 1, 0] && (a >= limit).scalars == [0, 1, 1, 0] && (a == 3).scalars == [0, 0, 1, 0])
        #expect((Tensor([0.5, -0.25]).abs().sum() > 1).item() == 0)
        #expect((Tensor([1, 2, 3, 4], shape: [2, 2]) < Tensor([2, 4])).shape == [2, 2])
        #expect((Tensor([1, 1]) == Tensor([1, 1])).all() && !(Tensor([1, 2]) == Tensor([1, 1])).all())
        expectSwishError("shape") { try Tensor._compare(Tensor([1, 2]), Tensor([1, 2, 3]), .eq) }
    }

    /// Rearranging a comparison or argmax result keeps its dtype (a transpose copies, and used to make floats).
    @Test func shapingKeepsTheDtype() {
        let mask = Tensor([1, 5, 2, 7, 3, 9], shape: [2, 3]) > 4
        for t in [mask.t(), mask.transpose(0, 1), mask.reshape([3, 2]), mask[1], mask.unsqueeze(0), mask.flatten()] {
            #expect(t.dtype == .bool)
        }
        #expect(mask.t().description == "tensor([[False,  True],\n        [ True, False],\n        [False,  True]])")
        let idx = Tensor([1, 5, 2, 7, 3, 9], shape: [2, 3]).argmax(dim: 1, keepdim: true)
        #expect(idx.t().dtype == .int64 && idx.t().description == "tensor([[1, 2]])")
    }
}
