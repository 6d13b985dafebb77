import Engine
import Foundation

/// A model's size as its authors state it: every weight counted once.
///
/// Converters write tied embeddings (Qwen2.5's `tie_word_embeddings`) as two tensors, `token_embd.weight` and an
/// `output.weight` copy, often in different quant types; summing the file's tensors then counts the embedding twice
/// (Qwen2.5-Coder-0.5B would read 630M instead of its 494M). An untied model (LLaMA) has an `output.weight` of the
/// same shape with unrelated values, so the copy is recognised by its values, not its shape.
public struct ParameterCount: Sendable, Equatable {
    /// Distinct weights.
    public let count: Int
    /// `general.size_label` when the file has one (`0.5B`), else the count rounded (`494M`).
    public let label: String
    /// Whether `output.weight` was recognised as a copy of the embedding and left out.
    public let tiedEmbeddings: Bool

    public static func of(_ file: GGUFFile) -> ParameterCount {
        let total = file.tensors.reduce(0) { $0 + $1.elementCount }
        let tied = outputDuplicatesEmbedding(file)
        let count = total - (tied ? file.tensor(named: "output.weight")?.elementCount ?? 0 : 0)
        let label = file.string("general.size_label").flatMap { $0.isEmpty ? nil : $0 } ?? format(count)
        return ParameterCount(count: count, label: label, tiedEmbeddings: tied)
    }

    /// `494M`, `1.54B`: three significant digits, the way model cards write sizes.
    public static func format(_ n: Int) -> String {
        let v = Double(n)
        let (x, unit) = v >= 1e9 ? (v / 1e9, "B") : (v / 1e6, "M")
        let digits = x >= 100 ? 0 : x >= 10 ? 1 : 2
        var s = String(format: "%.\(digits)f", x)
        if s.contains(".") { while s.hasSuffix("0") { s.removeLast() }; if s.hasSuffix(".") { s.removeLast() } }
        return s + unit
    }

    /// Compares the first rows of the two matrices after dequantisation: a quantised copy differs by rounding only
    /// (relative RMS difference of a few percent); separate matrices differ by about √2 of their RMS.
    static func outputDuplicatesEmbedding(_ file: GGUFFile) -> Bool {
        guard let out = file.tensor(named: "output.weight"), let emb = file.tensor(named: "token_embd.weight"),
              out.dims == emb.dims, out.rowCount > 0 else { return false }
        let rows = min(16, out.rowCount)
        let a = firstRows(file, out, rows), b = firstRows(file, emb, rows)
        var diff: Double = 0, norm: Double = 0
        for i in a.indices {
            diff += Double((a[i] - b[i]) * (a[i] - b[i]))
            norm += Double(b[i] * b[i])
        }
        return norm > 0 && (diff / norm).squareRoot() < 0.25
    }

    static func firstRows(_ file: GGUFFile, _ t: GGUFTensorInfo, _ rows: Int) -> [Float] {
        let data = file.data(of: t)
        let rowBytes = t.byteCount / t.rowCount
        var out = [Float](repeating: 0, count: rows * t.rowLength)
        out.withUnsafeMutableBufferPointer { dst in
            for r in 0..<rows {
                Dequantize.row(t.type, data.baseAddress! + r * rowBytes, dst.baseAddress! + r * t.rowLength, count: t.rowLength)
            }
        }
        return out
    }
}
