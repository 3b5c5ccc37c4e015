// Ops that change how elements are arranged: reshape, transpose, squeeze, select. Tensors are always
// contiguous, so reshape and leading-dim selection are views and transpose copies.

extension Tensor {
    /// Resolves a requested shape that may contain one -1 against `numel`.
    package static func inferShape(_ dims: [Int], numel: Int) throws -> Shape {
        var known = 1
        var inferred: Int? = nil
        for (i, d) in dims.enumerated() {
            if d == -1 {
                guard inferred == nil else { throw SwishError.invalidArgument("only one dimension can be inferred") }
                inferred = i
            } else {
                guard d >= 0 else { throw SwishError.invalidArgument("invalid shape dimension \(d)") }
                let (p, o) = known.multipliedReportingOverflow(by: d)
                guard !o else { throw SwishError.invalidArgument("shape \(dims) is too large") }
                known = p
            }
        }
        var resolved = dims
        if let i = inferred {
            guard known != 0, numel % known == 0 else {
                throw SwishError.shape("shape '\(dims)' is invalid for input of size \(numel)")
            }
            resolved[i] = numel / known
        }
        let s = try Shape.validated(resolved)
        guard s.numel == numel else { throw SwishError.shape("shape '\(dims)' is invalid for input of size \(numel)") }
        return s
    }

    /// A view with another shape (one dimension may be -1).
    package static func _reshape(_ x: Tensor, _ dims: [Int]) throws -> Tensor {
        let s = try inferShape(dims, numel: x.numel)
        return try _view(x, s)
    }

    /// `name` is the backward name PyTorch gives the op that made the view (shown when printing).
    package static func _view(_ x: Tensor, _ s: Shape, name: StaticString = "ViewBackward0") throws -> Tensor {
        let out = x.view(as: s)
        if recording(x) {
            let old = x.shape
            out.record(name, x, savesTensors: false) { _, g in Grads(g.view(as: old)) }
        }
        return out
    }

    /// Copy of `x` with dims `d0` and `d1` swapped.
    package static func _transpose(_ x: Tensor, _ d0: Int, _ d1: Int, name: StaticString = "TransposeBackward0") throws
        -> Tensor
    {
        let a = try x.shape.normalize(dim: d0), b = try x.shape.normalize(dim: d1)
        if a == b || x.ndim < 2 {
            let out = x.view(as: x.shape)
            if recording(x) { out.record(name, x, savesTensors: false) { _, g in Grads(g) } }
            return out
        }
        var s = x.shape
        s[a] = x.shape[b]
        s[b] = x.shape[a]
        let out = try Tensor(uninitialized: s, dtype: x.dtype)
        permuteCopy(from: x, to: out, swapping: a, b)
        if recording(x) {
            out.record(name, x, savesTensors: false) { _, g in
                let gx = try Tensor(uninitialized: x.shape)
                permuteCopy(from: g, to: gx, swapping: a, b)
                return Grads(gx)
            }
        }
        return out
    }

    /// Writes `src` with dims a < b swapped into `dst` (whose shape is already swapped).
    private static func permuteCopy(from src: Tensor, to dst: Tensor, swapping a: Int, _ b: Int) {
        guard src.numel > 0 else { return }  // no walk over the other sizes of an empty tensor ([2^40, 0])
        let lo = Swift.min(a, b), hi = Swift.max(a, b)
        let s = src.shape
        // View src as [outer, A, mid, B, inner] and write [outer, B, mid, A, inner].
        let outer = s.product(0..<lo), A = s[lo], mid = s.product(lo + 1..<hi), B = s[hi]
        let inner = s.product(hi + 1..<s.rank)
        let sp = src.pointer, dp = dst.pointer
        if inner == 1 && mid == 1 {
            for o in 0..<outer {
                let sb = sp + o * A * B, db = dp + o * A * B
                // Blocked 2-D transpose for cache locality.
                let blk = 32
                for i0 in stride(from: 0, to: A, by: blk) {
                    for j0 in stride(from: 0, to: B, by: blk) {
                        for i in i0..<Swift.min(i0 + blk, A) {
                            for j in j0..<Swift.min(j0 + blk, B) { db[j * A + i] = sb[i * B + j] }
                        }
                    }
                }
            }
            return
        }
        for o in 0..<outer {
            for i in 0..<A {
                for m in 0..<mid {
                    for j in 0..<B {
                        let si = (((o * A + i) * mid + m) * B + j) * inner
                        let di = (((o * B + j) * mid + m) * A + i) * inner
                        (dp + di).update(from: sp + si, count: inner)
                    }
                }
            }
        }
    }

    /// PyTorch's `t()`: transpose of a 2-d tensor; 0-d and 1-d tensors are returned as is.
    package static func _t(_ x: Tensor) throws -> Tensor {
        guard x.ndim <= 2 else {
            throw SwishError.invalidArgument("t() expects a tensor with <= 2 dimensions, but self is \(x.ndim)D")
        }
        return try _transpose(x, 0, x.ndim == 2 ? 1 : 0, name: "TBackward0")
    }

    /// Inserts a size-1 dim at `dim` (view).
    package static func _unsqueeze(_ x: Tensor, _ dim: Int) throws -> Tensor {
        guard x.ndim < Shape.maxRank else { throw SwishError.invalidArgument("a tensor has at most \(Shape.maxRank) dimensions") }
        let r = x.ndim + 1
        guard dim >= -r && dim < r else {
            throw SwishError.invalidArgument(
                "Dimension out of range (expected to be in range of [\(-r), \(r - 1)], but got \(dim))")
        }
        let d = dim < 0 ? dim + r : dim
        var dims = x.shape.array
        dims.insert(1, at: d)
        return try _view(x, Shape(dims), name: "UnsqueezeBackward0")
    }

    /// Removes `dim` if its size is 1, or every size-1 dim when `dim` is nil (view).
    package static func _squeeze(_ x: Tensor, _ dim: Int? = nil) throws -> Tensor {
        if let dim {
            let d = try x.shape.normalize(dim: dim)
            if x.ndim == 0 || x.shape[d] != 1 { return try _view(x, x.shape, name: "SqueezeBackward1") }
            return try _view(x, x.shape.removing(d), name: "SqueezeBackward1")
        }
        return try _view(x, Shape(x.shape.filter { $0 != 1 }), name: "SqueezeBackward0")
    }

    /// Flattens dims `start...end` into one (view).
    package static func _flatten(_ x: Tensor, start: Int = 0, end: Int = -1) throws -> Tensor {
        if x.ndim == 0 { return try _view(x, [1]) }
        let s = try x.shape.normalize(dim: start), e = try x.shape.normalize(dim: end)
        guard s <= e else { throw SwishError.invalidArgument("flatten() has invalid args: start_dim cannot come after end_dim") }
        var dims = Array(x.shape[0..<s])
        dims.append(x.shape.product(s..<(e + 1)))
        dims += x.shape[(e + 1)...]
        return try _view(x, Shape(dims))
    }

    /// The sub-tensor at `index` along `dim` (PyTorch's `select`, `x[i]` for dim 0). Selecting along
    /// dim 0 is a view that shares memory; other dims copy.
    package static func _select(_ x: Tensor, dim: Int, index: Int) throws -> Tensor {
        guard x.ndim > 0 else { throw SwishError.invalidArgument("select() cannot be applied to a 0-dim tensor.") }
        let d = try x.shape.normalize(dim: dim)
        let size = x.shape[d]
        guard index >= -size && index < size else {
            throw SwishError.invalidArgument(
                "index \(index) is out of bounds for dimension \(d) with size \(size)")
        }
        let i = index < 0 ? index + size : index
        let outShape = x.shape.removing(d)
        let inner = x.shape.product(d + 1..<x.ndim), outer = x.shape.product(0..<d)
        let out: Tensor
        if d == 0 {
            out = Tensor(viewing: x, offset: i * inner, shape: outShape, dtype: x.dtype)
        } else {
            out = try Tensor(uninitialized: outShape, dtype: x.dtype)
            if out.numel > 0 {  // an empty result ([2^40, 3, 0]) has no rows to copy
                for o in 0..<outer { (out.pointer + o * inner).update(from: x.pointer + (o * size + i) * inner, count: inner) }
            }
        }
        if recording(x) {
            let s = x.shape
            out.record("SelectBackward0", x, savesTensors: false) { _, g in
                let gx = try Tensor(zeroed: s)
                if g.numel > 0 {
                    for o in 0..<outer { (gx.pointer + (o * size + i) * inner).update(from: g.pointer + o * inner, count: inner) }
                }
                return Grads(gx)
            }
        }
        return out
    }

    /// Copies `src` (broadcast to this tensor's shape) into this tensor's memory, outside autograd.
    /// Refused on a tensor that requires grad while grad mode is on (``_checkInPlaceWrite()``).
    package func _copy(from src: Tensor) throws {
        try _checkInPlaceWrite()
        let b = try Shape.broadcast(shape, src.shape)
        guard b == shape else {
            throw SwishError.shape("cannot copy a tensor of shape \(src.shape) into one of shape \(shape)")
        }
        // Copy through a temporary when the two overlap.
        let s = sharesMemory(with: src) ? try src.copyDetached() : src
        _Kernels.broadcast(s.pointer, s.shape, s.pointer, s.shape, pointer, shape) { x, _ in x }
    }
}

extension Tensor {
    /// A view with another shape; one dimension may be -1.
    public func reshape(_ dims: [Int]) -> Tensor { _trap { try Tensor._reshape(self, dims) } }
    /// Same as ``reshape(_:)`` (tensors are always contiguous).
    public func view(_ dims: [Int]) -> Tensor { reshape(dims) }
    /// Swaps two dimensions.
    public func transpose(_ d0: Int, _ d1: Int) -> Tensor { _trap { try Tensor._transpose(self, d0, d1) } }
    /// Transpose of a matrix.
    public func t() -> Tensor { _trap { try Tensor._t(self) } }
    /// Inserts a size-1 dimension.
    public func unsqueeze(_ dim: Int) -> Tensor { _trap { try Tensor._unsqueeze(self, dim) } }
    /// Removes size-1 dimensions.
    public func squeeze(_ dim: Int? = nil) -> Tensor { _trap { try Tensor._squeeze(self, dim) } }
    /// Flattens a range of dimensions.
    public func flatten(startDim: Int = 0, endDim: Int = -1) -> Tensor {
        _trap { try Tensor._flatten(self, start: startDim, end: endDim) }
    }
    /// The sub-tensor at `index` along `dim`.
    public func select(dim: Int, index: Int) -> Tensor { _trap { try Tensor._select(self, dim: dim, index: index) } }

    /// Indexing along the leading dimensions, as `x[0]` and `x[0, 0]` in PyTorch. Reading gives a view
    /// (sharing memory); assigning copies the value in (broadcast), e.g. `w.data[0, 0] = 100`.
    public subscript(indices: Int...) -> Tensor {
        get { _trap { try indices.reduce(self) { t, i in try Tensor._select(t, dim: 0, index: i) } } }
        set {
            _trap {
                try _checkInPlaceWrite()
                let target = try indices.reduce(self.detach()) { t, i in try Tensor._select(t, dim: 0, index: i) }
                try target._copy(from: newValue)
            }
        }
    }
}
