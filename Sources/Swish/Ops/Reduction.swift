// Reductions: sum, mean, max and argmax over everything or over one dimension.

extension Tensor {
    /// This tensor broadcast (copied) to `target`, which it must broadcast to.
    package func _expand(to target: Shape) throws -> Tensor {
        if shape == target { return self }
        let out = try Tensor(uninitialized: target)
        _Kernels.broadcast(pointer, shape, pointer, shape, out.pointer, target) { x, _ in x }
        return out
    }

    /// `shape` with `dim` kept as size 1, the shape a keepdim reduction gives.
    private static func keptShape(_ shape: Shape, _ dim: Int) -> Shape { shape.replacing(dim, with: 1) }

    // MARK: sum

    package static func _sum(_ x: Tensor) throws -> Tensor {
        let out = try Tensor(uninitialized: .scalar)
        out.pointer.pointee = _Kernels.sum(x.pointer, x.numel)
        if recording(x) {
            out.record("SumBackward0", x, savesTensors: false) { node, g in Grads(try g._expand(to: node.in0!.shape)) }
        }
        return out
    }

    package static func _sum(_ x: Tensor, dim: Int, keepdim: Bool) throws -> Tensor {
        let d = try x.shape.normalize(dim: dim)
        if x.ndim == 0 { return try _sum(x) }
        let kept = keptShape(x.shape, d)
        let out = try Tensor(uninitialized: keepdim ? kept : x.shape.removing(d))
        _Kernels.sumMiddle(
            x.pointer, out.pointer, outer: x.shape.product(0..<d), n: x.shape[d],
            inner: x.shape.product(d + 1..<x.ndim))
        if recording(x) {
            let s = x.shape
            out.record("SumBackward1", x, savesTensors: false) { _, g in
                Grads(try g.view(as: kept)._expand(to: s))
            }
        }
        return out
    }

    // MARK: mean

    package static func _mean(_ x: Tensor) throws -> Tensor {
        let n = Float(x.numel)
        let out = try Tensor(uninitialized: .scalar)
        out.pointer.pointee = _Kernels.sum(x.pointer, x.numel) / n
        if recording(x) {
            let s = x.shape
            out.record("MeanBackward0", x, savesTensors: false) { _, g in
                Grads(try _unary(g) { $0 / n }._expand(to: s))
            }
        }
        return out
    }

    package static func _mean(_ x: Tensor, dim: Int, keepdim: Bool) throws -> Tensor {
        let d = try x.shape.normalize(dim: dim)
        if x.ndim == 0 { return try _mean(x) }
        let n = Float(x.shape[d])
        let kept = keptShape(x.shape, d)
        let out = try Tensor(uninitialized: keepdim ? kept : x.shape.removing(d))
        _Kernels.sumMiddle(
            x.pointer, out.pointer, outer: x.shape.product(0..<d), n: x.shape[d],
            inner: x.shape.product(d + 1..<x.ndim))
        for i in 0..<out.numel { out.pointer[i] /= n }
        if recording(x) {
            let s = x.shape
            out.record("MeanBackward1", x, savesTensors: false) { _, g in
                Grads(try _unary(g.view(as: kept)) { $0 / n }._expand(to: s))
            }
        }
        return out
    }

    // MARK: max / argmax

    /// Index of the largest value in each run of `n` (stride `inner`); NaN counts as largest and the
    /// first of equal values wins, as in PyTorch.
    private static func argmaxRuns(_ x: Tensor, _ d: Int) -> (outer: Int, n: Int, inner: Int, idx: [Int]) {
        var outer = x.shape.product(0..<d), n = x.shape[d], inner = x.shape.product(d + 1..<x.ndim)
        // No runs when the result is empty: the loops here and in the callers must not walk the other
        // side's size ([2^40, 3, 0] has 2^40 outer positions and no element).
        if outer == 0 || inner == 0 { (outer, inner) = (0, 0) }
        var idx = [Int](repeating: 0, count: outer * inner)
        let p = x.pointer
        for o in 0..<outer {
            for i in 0..<inner {
                var best = 0
                var bv = p[o * n * inner + i]
                if !bv.isNaN {
                    for j in 1..<Swift.max(n, 1) {
                        let v = p[(o * n + j) * inner + i]
                        if v.isNaN {
                            best = j
                            break
                        }
                        if v > bv {
                            bv = v
                            best = j
                        }
                    }
                }
                idx[o * inner + i] = best
            }
        }
        return (outer, n, inner, idx)
    }

    private static func checkReducible(_ x: Tensor, _ d: Int, _ op: String) throws {
        let size = x.ndim == 0 ? 1 : x.shape[d]
        guard size > 0 else {
            throw SwishError.invalidArgument(
                "\(op)(): Expected reduction dim \(d) to have non-zero size.")
        }
    }

    /// Largest values along `dim` and their indices (PyTorch's `max(dim)` returning `(values, indices)`).
    package static func _max(_ x: Tensor, dim: Int, keepdim: Bool) throws -> (values: Tensor, indices: Tensor) {
        let d = try x.shape.normalize(dim: dim)
        try checkReducible(x, d, "max")
        // A 0-d tensor reduces as a one-element vector and stays 0-d (recorded like any other input).
        let (outer, n, inner, idx) = argmaxRuns(x.ndim == 0 ? x.view(as: [1]) : x, d)
        let outShape = x.ndim == 0 ? .scalar : keepdim ? keptShape(x.shape, d) : x.shape.removing(d)
        let values = try Tensor(uninitialized: outShape)
        let indices = try Tensor(uninitialized: outShape, dtype: .int64)
        for o in 0..<outer {
            for i in 0..<inner {
                let j = idx[o * inner + i]
                values.pointer[o * inner + i] = x.pointer[(o * n + j) * inner + i]
                indices.pointer[o * inner + i] = Float(j)
            }
        }
        if recording(x) {
            let s = x.shape
            values.record("MaxBackward0", x, savesTensors: true) { _, g in
                let gx = try Tensor(zeroed: s)
                for o in 0..<outer {
                    for i in 0..<inner {
                        gx.pointer[(o * n + idx[o * inner + i]) * inner + i] = g.pointer[o * inner + i]
                    }
                }
                return Grads(gx)
            }
        }
        return (values, indices)
    }

    /// Largest value of all elements; the gradient is shared evenly among the elements equal to it, as
    /// PyTorch's `max()` does.
    package static func _max(_ x: Tensor) throws -> Tensor {
        guard x.numel > 0 else {
            throw SwishError.invalidArgument(
                "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument."
            )
        }
        let flat = x.view(as: [x.numel])
        let (_, _, _, idx) = argmaxRuns(flat, 0)
        let m = x.pointer[idx[0]]
        let out = try Tensor._full(.scalar, m)
        if recording(x) {
            out.record("MaxBackward1", x, savesTensors: true) { _, g in
                let gv = g.pointer.pointee
                var count = 0
                for i in 0..<x.numel where x.pointer[i] == m || (m.isNaN && x.pointer[i].isNaN) { count += 1 }
                let share = gv / Float(Swift.max(count, 1))
                return Grads(try _unary(x) { v in (v == m || (m.isNaN && v.isNaN)) ? share : 0 })
            }
        }
        return out
    }

    /// Index of the largest value along `dim` (int64 tensor, not differentiable).
    package static func _argmax(_ x: Tensor, dim: Int, keepdim: Bool) throws -> Tensor {
        let d = try x.shape.normalize(dim: dim)
        try checkReducible(x, d, "argmax")
        if x.ndim == 0 { return try Tensor(zeroed: .scalar, dtype: .int64) }
        let (_, _, _, idx) = argmaxRuns(x, d)
        let out = try Tensor(uninitialized: keepdim ? keptShape(x.shape, d) : x.shape.removing(d), dtype: .int64)
        for i in 0..<idx.count { out.pointer[i] = Float(idx[i]) }
        return out
    }

    /// Index of the largest value in the flattened tensor.
    package static func _argmax(_ x: Tensor) throws -> Tensor {
        guard x.numel > 0 else {
            throw SwishError.invalidArgument("argmax(): Expected reduction dim to be specified for input.numel() == 0.")
        }
        return try _argmax(x.view(as: [x.numel]), dim: 0, keepdim: false)
    }
}

extension Tensor {
    /// Sum of all elements (0-d).
    public func sum() -> Tensor { _trap { try Tensor._sum(self) } }
    /// Sum over `dim`.
    public func sum(dim: Int, keepdim: Bool = false) -> Tensor {
        _trap { try Tensor._sum(self, dim: dim, keepdim: keepdim) }
    }
    /// Mean of all elements (0-d).
    public func mean() -> Tensor { _trap { try Tensor._mean(self) } }
    /// Mean over `dim`.
    public func mean(dim: Int, keepdim: Bool = false) -> Tensor {
        _trap { try Tensor._mean(self, dim: dim, keepdim: keepdim) }
    }
    /// Largest element (0-d).
    public func max() -> Tensor { _trap { try Tensor._max(self) } }
    /// Largest values along `dim` and where they are.
    public func max(dim: Int, keepdim: Bool = false) -> (values: Tensor, indices: Tensor) {
        _trap { try Tensor._max(self, dim: dim, keepdim: keepdim) }
    }
    /// Index of the largest element of the flattened tensor.
    public func argmax() -> Tensor { _trap { try Tensor._argmax(self) } }
    /// Indices of the largest values along `dim`.
    public func argmax(dim: Int, keepdim: Bool = false) -> Tensor {
        _trap { try Tensor._argmax(self, dim: dim, keepdim: keepdim) }
    }
}
