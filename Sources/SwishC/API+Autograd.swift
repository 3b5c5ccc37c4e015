import Swish

// Autograd: requires_grad, backward, gradients, detach.

@_cdecl("swish_tensor_set_requires_grad")
public func swish_tensor_set_requires_grad(_ t: OpaquePointer?, _ on: Bool) -> Int32 {
    returnStatus { try tensorArg(t, "t").setRequiresGrad(on) }
}

@_cdecl("swish_tensor_requires_grad")
public func swish_tensor_requires_grad(_ t: OpaquePointer?) -> Int32 {
    returnValue(-1) { try tensorArg(t, "t").requiresGrad ? 1 : 0 }
}

@_cdecl("swish_tensor_is_leaf")
public func swish_tensor_is_leaf(_ t: OpaquePointer?) -> Int32 { returnValue(-1) { try tensorArg(t, "t").isLeaf ? 1 : 0 } }

@_cdecl("swish_tensor_grad_fn")
public func swish_tensor_grad_fn(_ t: OpaquePointer?) -> UnsafePointer<CChar>? {
    returnValue(nil) {
        guard let name = try tensorArg(t, "t").opName else { return nil }
        // A name literal's bytes, NUL-terminated, in the library's constant data.
        guard name.hasPointerRepresentation else { return GradFnNames.cString(name.description) }
        return UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
    }
}

@_cdecl("swish_backward")
public func swish_backward(_ t: OpaquePointer?) -> Int32 {
    returnStatus { try tensorArg(t, "t").backwardChecked() }
}

@_cdecl("swish_backward_ex")
public func swish_backward_ex(_ t: OpaquePointer?, _ grad: OpaquePointer?, _ retain: Bool) -> Int32 {
    returnStatus {
        let x = try tensorArg(t, "t")
        let g = grad == nil ? nil : try tensorArg(grad, "grad")
        try x.backwardChecked(gradient: g, retainGraph: retain)
    }
}

@_cdecl("swish_tensor_grad")
public func swish_tensor_grad(_ t: OpaquePointer?) -> OpaquePointer? {
    do {
        guard let g = try tensorArg(t, "t").grad else { return nil }
        return try Registry.register(g, kind: .tensor)
    } catch {
        fail(error, #function)
        return nil
    }
}

@_cdecl("swish_tensor_has_grad")
public func swish_tensor_has_grad(_ t: OpaquePointer?) -> Int32 { returnValue(-1) { try tensorArg(t, "t").grad != nil ? 1 : 0 } }

@_cdecl("swish_tensor_zero_grad")
public func swish_tensor_zero_grad(_ t: OpaquePointer?) -> Int32 { returnStatus { try tensorArg(t, "t").zeroGrad() } }

@_cdecl("swish_tensor_retain_grad")
public func swish_tensor_retain_grad(_ t: OpaquePointer?) -> Int32 { returnStatus { try tensorArg(t, "t").retainGrad() } }

@_cdecl("swish_detach")
public func swish_detach(_ t: OpaquePointer?) -> OpaquePointer? { returnTensor { try tensorArg(t, "t").detach() } }
