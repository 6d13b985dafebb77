import CKernels

/// A ggml tensor element type, by its id as stored in GGUF tensor infos. Ids, names and block
/// layouts come from the type table in CKernels (`CK_TYPES` in ckernels.h): every type ggml
/// defines is known, so that a file parses even when it holds a type the engine cannot compute
/// with; `isSupported` says which ones the engine can dequantize and multiply.
public struct QuantType: RawRepresentable, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    public let rawValue: UInt32

    /// nil for an id the type table does not hold.
    public init?(rawValue: UInt32) {
        guard rawValue < UInt32(CK_TYPE_COUNT), ck_type_traits_of(Int32(rawValue)) != nil else { return nil }
        self.rawValue = rawValue
    }

    private init(_ id: Int) { rawValue = UInt32(id) }

    public static var allCases: [QuantType] { (0..<UInt32(CK_TYPE_COUNT)).compactMap(QuantType.init(rawValue:)) }

    private var traits: ck_type_traits { ck_type_traits_of(Int32(rawValue))!.pointee }

    /// Elements per block and bytes per block.
    public var blockLayout: (elements: Int, bytes: Int) {
        let t = traits
        return (Int(t.block_elements), Int(t.block_bytes))
    }

    /// Types the engine can dequantize and use in matrix-vector products: those the kernels
    /// have an activation format for.
    public var isSupported: Bool { traits.vec_dot_type >= 0 }

    /// Bytes needed for `elements` values, nil when `elements` is not a whole number of blocks.
    public func byteCount(elements: Int) -> Int? {
        let (be, bb) = blockLayout
        guard elements >= 0, elements % be == 0 else { return nil }
        let (r, o) = (elements / be).multipliedReportingOverflow(by: bb)
        return o ? nil : r
    }

    /// ggml's name ("Q4_K").
    public var description: String { String(cString: traits.name) }

    public static var f32: QuantType { QuantType(CK_F32) }
    public static var f16: QuantType { QuantType(CK_F16) }
    public static var bf16: QuantType { QuantType(CK_BF16) }
    public static var q4_0: QuantType { QuantType(CK_Q4_0) }
    public static var q4_1: QuantType { QuantType(CK_Q4_1) }
    public static var q5_0: QuantType { QuantType(CK_Q5_0) }
    public static var q5_1: QuantType { QuantType(CK_Q5_1) }
    public static var q8_0: QuantType { QuantType(CK_Q8_0) }
    public static var q8_1: QuantType { QuantType(CK_Q8_1) }
    public static var q2_K: QuantType { QuantType(CK_Q2_K) }
    public static var q3_K: QuantType { QuantType(CK_Q3_K) }
    public static var q4_K: QuantType { QuantType(CK_Q4_K) }
    public static var q5_K: QuantType { QuantType(CK_Q5_K) }
    public static var q6_K: QuantType { QuantType(CK_Q6_K) }
    public static var q8_K: QuantType { QuantType(CK_Q8_K) }
}
