// Elementwise arithmetic with broadcasting: each op's forward and backward side by side.

extension Tensor {
    /// `f(a, b)` broadcast, as a new float tensor, without recording.
    @inline(__always)
    package static func _binary(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) throws -> Tensor {
        let shape = try Shape.broadcast(a.shape, b.shape)
        let out = try Tensor(uninitialized: shape)
        _Kernels.broadcast(a.pointer, a.shape, b.pointer, b.shape, out.pointer, shape, f)
        return out
    }

    /// `f(x)` elementwise, as a new float tensor, without recording.
    @inline(__always)
    package static func _unary(_ x: Tensor, _ f: (Float) -> Float) throws -> Tensor {
        let out = try Tensor(uninitialized: x.shape)
        _Kernels.map(x.pointer, out.pointer, x.numel, f)
        return out
    }

    /// `f(g)` elementwise for a backward function: written into `g` itself when backward lets `node`
    /// overwrite it (``Tensor/gradIsScratch``), saving an allocation per op, else into a new tensor.
    @inline(__always)
    package static func _mapGrad(_ g: Tensor, of node: Node, _ f: (Float) -> Float) throws -> Tensor {
        guard node.gradIsScratch else { return try _unary(g, f) }
        _Kernels.map(g.pointer, g.pointer, g.numel, f)
        return g
    }

    /// `f(g, x)` elementwise for a backward function, `x` of `g`'s shape (an elementwise op's input or
    /// result): into `g` itself when backward allows, as ``_mapGrad(_:of:_:)``.
    @inline(__always)
    package static func _zipGrad(
        _ g: Tensor, _ x: Tensor, of node: Node, _ f: (Float, Float) -> Float
    ) throws -> Tensor {
        guard node.gradIsScratch, g.shape == x.shape else { return try _binary(g, x, f) }
        _Kernels.zip(g.pointer, x.pointer, g.pointer, g.numel, f)
        return g
    }

    /// `a + b` without recording (used by the backward pass itself).
    package static func _addRaw(_ a: Tensor, _ b: Tensor) throws -> Tensor { try _binary(a, b, +) }

    /// Sums a broadcast gradient back down to `shape` (the reverse of broadcasting).
    package func _sumTo(_ target: Shape) throws -> Tensor {
        if shape == target { return self }
        var cur = self
        let lead = shape.rank - target.rank
        guard lead >= 0 else { throw SwishError.internal("cannot sum \(shape) down to \(target)") }
        if lead > 0 {
            let n = shape.product(0..<lead)
            var rest = Shape(_unchecked: target.rank)
            for i in 0..<target.rank { rest[i] = shape[lead + i] }
            let out = try Tensor(uninitialized: rest)
            _Kernels.sumMiddle(cur.pointer, out.pointer, outer: 1, n: n, inner: rest.numel)
            cur = out
        }
        for d in 0..<target.rank where target[d] == 1 && cur.shape[d] != 1 {
            let out = try Tensor(uninitialized: cur.shape.replacing(d, with: 1))
            _Kernels.sumMiddle(
                cur.pointer, out.pointer, outer: cur.shape.product(0..<d), n: cur.shape[d],
                inner: cur.shape.product(d + 1..<cur.shape.rank))
            cur = out
        }
        guard cur.shape == target else { throw SwishError.internal("cannot sum \(shape) down to \(target)") }
        return cur
    }

    // MARK: Tensor-tensor

    package static func _add(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let out = try _binary(a, b, +)
        if recording(a, b) {
            out.record("AddBackward0", a, b, savesTensors: false) { node, g in
                Grads(try node.in0.map { try g._sumTo($0.shape) }, try node.in1.map { try g._sumTo($0.shape) })
            }
        }
        return out
    }

    package static func _sub(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let out = try _binary(a, b, -)
        if recording(a, b) {
            out.record("SubBackward0", a, b, savesTensors: false) { node, g in
                Grads(
                    try node.in0.map { try g._sumTo($0.shape) },
                    try node.in1.map { try _unary(g, -)._sumTo($0.shape) })
            }
        }
        return out
    }

    package static func _mul(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let out = try _binary(a, b, *)
        if recording(a, b) {
            out.record("MulBackward0", a, b, savesTensors: true) { node, g in
                let a = node.in0!, b = node.in1!
                return Grads(
                    node.needsGrad(0) ? try _binary(g, b, *)._sumTo(a.shape) : nil,
                    node.needsGrad(1) ? try _binary(g, a, *)._sumTo(b.shape) : nil)
            }
        }
        return out
    }

    package static func _div(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let out = try _binary(a, b, /)
        if recording(a, b) {
            out.record("DivBackward0", a, b, savesTensors: true) { node, g in
                let a = node.in0!, b = node.in1!
                // d(a/b)/db = -a/b^2 = -out/b
                return Grads(
                    node.needsGrad(0) ? try _binary(g, b, /)._sumTo(a.shape) : nil,
                    node.needsGrad(1)
                        ? try _binary(_binary(g, node, *), b, { -$0 / $1 })._sumTo(b.shape) : nil)
            }
        }
        return out
    }

    // MARK: Tensor-scalar

    package static func _add(_ a: Tensor, _ s: Float) throws -> Tensor {
        let out = try _unary(a) { $0 + s }
        if recording(a) {
            out.record("AddBackward0", a, savesTensors: false) { _, g in Grads(g) }
        }
        return out
    }

    package static func _sub(_ a: Tensor, _ s: Float) throws -> Tensor {
        let out = try _unary(a) { $0 - s }
        if recording(a) {
            out.record("SubBackward0", a, savesTensors: false) { _, g in Grads(g) }
        }
        return out
    }

    /// `s - a` (PyTorch's `rsub`).
    package static func _rsub(_ s: Float, _ a: Tensor) throws -> Tensor {
        let out = try _unary(a) { s - $0 }
        if recording(a) {
            out.record("RsubBackward1", a, savesTensors: false) { _, g in Grads(try _unary(g, -)) }
        }
        return out
    }

    package static func _mul(_ a: Tensor, _ s: Float) throws -> Tensor {
        let out = try _unary(a) { $0 * s }
        if recording(a) {
            out.record("MulBackward0", a, savesTensors: false, scalar: s) { node, g in
                let s = node.savedScalar
                return Grads(try _mapGrad(g, of: node) { $0 * s })
            }
        }
        return out
    }

    package static func _div(_ a: Tensor, _ s: Float) throws -> Tensor {
        let out = try _unary(a) { $0 / s }
        if recording(a) {
            out.record("DivBackward0", a, savesTensors: false, scalar: s) { node, g in
                let s = node.savedScalar
                return Grads(try _mapGrad(g, of: node) { $0 / s })
            }
        }
        return out
    }

    /// `s / a`.
    package static func _rdiv(_ s: Float, _ a: Tensor) throws -> Tensor {
        let out = try _unary(a) { s / $0 }
        if recording(a) {
            out.record("DivBackward0", a, savesTensors: true) { _, g in
                Grads(try _binary(g, a) { gi, ai in -gi * s / (ai * ai) })
            }
        }
        return out
    }

    package static func _neg(_ a: Tensor) throws -> Tensor {
        let out = try _unary(a, -)
        if recording(a) {
            out.record("NegBackward0", a, savesTensors: false) { _, g in Grads(try _unary(g, -)) }
        }
        return out
    }
}

// MARK: Swift operators

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor { _trap { try _add(a, b) } }
    public static func - (a: Tensor, b: Tensor) -> Tensor { _trap { try _sub(a, b) } }
    public static func * (a: Tensor, b: Tensor) -> Tensor { _trap { try _mul(a, b) } }
    public static func / (a: Tensor, b: Tensor) -> Tensor { _trap { try _div(a, b) } }
    public static prefix func - (a: Tensor) -> Tensor { _trap { try _neg(a) } }

    public static func + (a: Tensor, s: Float) -> Tensor { _trap { try _add(a, s) } }
    public static func + (s: Float, a: Tensor) -> Tensor { _trap { try _add(a, s) } }
    public static func - (a: Tensor, s: Float) -> Tensor { _trap { try _sub(a, s) } }
    public static func - (s: Float, a: Tensor) -> Tensor { _trap { try _rsub(s, a) } }
    public static func * (a: Tensor, s: Float) -> Tensor { _trap { try _mul(a, s) } }
    public static func * (s: Float, a: Tensor) -> Tensor { _trap { try _mul(a, s) } }
    public static func / (a: Tensor, s: Float) -> Tensor { _trap { try _div(a, s) } }
    public static func / (s: Float, a: Tensor) -> Tensor { _trap { try _rdiv(s, a) } }

    /// Rebinds `a` to `a / s`, recorded like PyTorch's `X /= 2` in the seed's FixedHiddenMLP.
    public static func /= (a: inout Tensor, s: Float) { a = a / s }
    public static func *= (a: inout Tensor, s: Float) { a = a * s }
    public static func += (a: inout Tensor, b: Tensor) { a = a + b }
    public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
}
