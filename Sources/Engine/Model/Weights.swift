import CKernels
/// A 2-D weight in the mapped file: `rows` rows of `cols` elements of `type`.
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let type: QuantType
    public let data: UnsafeRawPointer
    public let rows: Int
    public let cols: Int
    public let rowBytes: Int

    @inline(__always) func row(_ r: Int) -> UnsafeRawPointer { data + r * rowBytes }
}

/// Tensors of one transformer block (optional ones depend on the architecture).
struct LayerWeights: @unchecked Sendable {
    var attnNorm: [Float]
    var wq, wk, wv, wo: WeightMatrix
    var bq, bk, bv: [Float]?
    var qNorm, kNorm: [Float]?
    var postAttnNorm: [Float]?
    var ffnNorm: [Float]
    var gate, up, down: WeightMatrix
    var postFFNNorm: [Float]?
}

/// Looks tensors up with the checks that give precise load errors.
struct TensorLoader {
    let file: GGUFFile
    /// Where matrices are read from (the mapping, or a huge-page copy at the same offsets).
    let weights: WeightPages

    func info(_ name: String, shape: [Int]) throws -> GGUFTensorInfo {
        let t = try file.requireTensor(name)
        var dims = t.dims
        while dims.count > shape.count, dims.last == 1 { dims.removeLast() }
        guard dims == shape else { throw GGUFError.tensorShape(tensor: name, expected: shape, found: t.dims) }
        guard t.type.isSupported else { throw GGUFError.unsupportedTensorType(tensor: name, type: t.type.description) }
        return t
    }

    func matrix(_ name: String, cols: Int, rows: Int) throws -> WeightMatrix {
        let t = try info(name, shape: [cols, rows])
        // Matrices are multiplied by the quantized kernels, which need whole blocks per row.
        guard ck_vec_dot_type(Int32(t.type.rawValue)) >= 0, cols % t.type.blockLayout.elements == 0 else {
            throw GGUFError.unsupportedTensorType(tensor: name, type: "\(t.type.description) as a matrix of \(cols) columns")
        }
        return WeightMatrix(name: name, type: t.type, data: weights.base + t.fileOffset, rows: rows, cols: cols,
                            rowBytes: t.type.byteCount(elements: cols) ?? 0)
    }

    func vector(_ name: String, count: Int) throws -> [Float] {
        try Dequantize.tensor(file, try info(name, shape: [count]))
    }

    func optionalVector(_ name: String, count: Int) throws -> [Float]? {
        file.tensor(named: name) == nil ? nil : try vector(name, count: count)
    }
}
