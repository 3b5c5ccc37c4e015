import Swish

// nn.init: in-place initialization of a tensor (usually a parameter fetched with swish_module_param).

private func nonlinearityArg(_ n: Int32) throws -> Nonlinearity {
    guard let v = Nonlinearity(rawValue: n) else {
        throw SwishError.invalidArgument("Unsupported nonlinearity \(n) (expected SWISH_GAIN_LINEAR ... SWISH_GAIN_SELU)")
    }
    return v
}

private func fanModeArg(_ m: Int32) throws -> FanMode {
    guard let v = FanMode(rawValue: m) else {
        throw SwishError.invalidArgument("Mode \(m) not supported, please use one of SWISH_FAN_IN, SWISH_FAN_OUT")
    }
    return v
}

@_cdecl("swish_init_calculate_gain")
public func swish_init_calculate_gain(_ nonlinearity: Int32, _ param: Float) -> Float {
    returnValue(Float.nan) { Float(try Init._gain(try nonlinearityArg(nonlinearity), param: param.isNaN ? nil : param)) }
}

@_cdecl("swish_init_fans")
public func swish_init_fans(
    _ t: OpaquePointer?, _ fanIn: UnsafeMutablePointer<Int64>?, _ fanOut: UnsafeMutablePointer<Int64>?
) -> Int32 {
    returnStatus {
        let (i, o) = try Init._fans(try tensorArg(t, "t"))
        fanIn?.pointee = Int64(i)
        fanOut?.pointee = Int64(o)
    }
}

@_cdecl("swish_init_uniform")
public func swish_init_uniform(_ t: OpaquePointer?, _ a: Float, _ b: Float, _ gen: OpaquePointer?) -> Int32 {
    returnStatus { try Init._uniform(try tensorArg(t, "t"), a: a, b: b, generator: try generatorArg(gen, "gen")) }
}

@_cdecl("swish_init_normal")
public func swish_init_normal(_ t: OpaquePointer?, _ mean: Float, _ std: Float, _ gen: OpaquePointer?) -> Int32 {
    returnStatus {
        try Init._normal(try tensorArg(t, "t"), mean: mean, std: std, generator: try generatorArg(gen, "gen"))
    }
}

@_cdecl("swish_init_constant")
public func swish_init_constant(_ t: OpaquePointer?, _ value: Float) -> Int32 {
    returnStatus { Init._constant(try tensorArg(t, "t"), value) }
}

@_cdecl("swish_init_zeros")
public func swish_init_zeros(_ t: OpaquePointer?) -> Int32 { returnStatus { Init._constant(try tensorArg(t, "t"), 0) } }

@_cdecl("swish_init_ones")
public func swish_init_ones(_ t: OpaquePointer?) -> Int32 { returnStatus { Init._constant(try tensorArg(t, "t"), 1) } }

@_cdecl("swish_init_xavier_uniform")
public func swish_init_xavier_uniform(_ t: OpaquePointer?, _ gain: Float, _ gen: OpaquePointer?) -> Int32 {
    returnStatus { try Init._xavierUniform(try tensorArg(t, "t"), gain: gain, generator: try generatorArg(gen, "gen")) }
}

@_cdecl("swish_init_xavier_normal")
public func swish_init_xavier_normal(_ t: OpaquePointer?, _ gain: Float, _ gen: OpaquePointer?) -> Int32 {
    returnStatus { try Init._xavierNormal(try tensorArg(t, "t"), gain: gain, generator: try generatorArg(gen, "gen")) }
}

@_cdecl("swish_init_kaiming_uniform")
public func swish_init_kaiming_uniform(
    _ t: OpaquePointer?, _ a: Float, _ mode: Int32, _ nonlinearity: Int32, _ gen: OpaquePointer?
) -> Int32 {
    returnStatus {
        try Init._kaimingUniform(
            try tensorArg(t, "t"), a: a, mode: try fanModeArg(mode), nonlinearity: try nonlinearityArg(nonlinearity),
            generator: try generatorArg(gen, "gen"))
    }
}

@_cdecl("swish_init_kaiming_normal")
public func swish_init_kaiming_normal(
    _ t: OpaquePointer?, _ a: Float, _ mode: Int32, _ nonlinearity: Int32, _ gen: OpaquePointer?
) -> Int32 {
    returnStatus {
        try Init._kaimingNormal(
            try tensorArg(t, "t"), a: a, mode: try fanModeArg(mode), nonlinearity: try nonlinearityArg(nonlinearity),
            generator: try generatorArg(gen, "gen"))
    }
}
