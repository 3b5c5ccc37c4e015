// Element access used by the C ABI and by tests: checked indexing and raw data.

extension Tensor {
    /// Row-major offset of the element at `index` (negative coordinates count from the end).
    package func _offset(of index: [Int]) throws -> Int {
        guard index.count == ndim else {
            throw SwishError.invalidArgument("an index into a \(ndim)-d tensor needs \(ndim) coordinates, got \(index.count)")
        }
        var off = 0
        for (d, i) in index.enumerated() {
            let n = shape[d]
            guard i >= -n && i < n else {
                throw SwishError.invalidArgument("index \(i) is out of bounds for dimension \(d) with size \(n)")
            }
            off = off * n + (i < 0 ? i + n : i)
        }
        return off
    }

    package func _element(at index: [Int]) throws -> Float { pointer[try _offset(of: index)] }

    /// Writes one element outside autograd (like `t.data[i, j] = v`).
    package func _setElement(at index: [Int], _ v: Float) throws {
        pointer[try _offset(of: index)] = v
    }

    /// Pointer to the first element for zero-copy access; see `swish_tensor_data` for its lifetime.
    package var _dataPointer: UnsafeMutablePointer<Float> { pointer }

    /// A copy outside the graph.
    package func _copyDetached() throws -> Tensor { try copyDetached() }

    /// Refuses an in-place write autograd would not see: into a tensor that requires grad while grad mode is
    /// on. PyTorch refuses it for leaves and views of leaves; for other recorded results it would record the
    /// write, which Swish does not, so allowing it would silently give wrong gradients.
    package func _checkInPlaceWrite() throws {
        guard _requiresGrad && GradMode.isEnabled else { return }
        throw SwishError.state(
            isLeaf
                ? "a leaf Variable that requires grad is being used in an in-place operation."
                : "a tensor that requires grad (a view of a leaf, or the result of a recorded op) is being used in an in-place operation, which autograd does not record; write under withNoGrad or through .data"
        )
    }

    /// Overwrites the elements from a buffer of exactly `numel` floats, outside autograd; refused on a tensor
    /// that requires grad while grad mode is on (``_checkInPlaceWrite()``).
    package func _copy(from src: UnsafeBufferPointer<Float>) throws {
        try _checkInPlaceWrite()
        guard src.count == numel else {
            throw SwishError.invalidArgument("expected \(numel) values, got \(src.count)")
        }
        if let base = src.baseAddress, numel > 0 { pointer.update(from: base, count: numel) }
    }
}
