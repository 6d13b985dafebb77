import CKernels
import Foundation
import Testing
@testable import Engine

/// The quantized kernels against two references: the portable C twin (same integer sums)
/// and a plain double-precision dot of the dequantized weights (our Swift dequantizers,
/// checked against gguf-py elsewhere) with the dequantized activations.
@Suite struct QuantKernelTests {
    /// Weight types with their block size and bytes (the type table's) and where their fp16 scales live.
    static let types: [(QuantType, Int, Int, [Int])] = [
        (.q4_0, [0]), (.q4_1, [0, 2]), (.q5_0, [0]), (.q5_1, [0, 2]),
        (.q8_0, [0]), (.q4_K, [0, 2]), (.q5_K, [0, 2]), (.q6_K, [208]),
    ].map { type, scales in (type, type.blockLayout.elements, type.blockLayout.bytes, scales) }

    struct RNG: RandomNumberGenerator {
        var s: UInt64
        mutating func next() -> UInt64 { s &+= 0x9E3779B97F4A7C15; var z = s; z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) &* 0x94D049BB133111EB; return z ^ (z >> 31) }
    }

    static func randomWeights(_ t: (QuantType, Int, Int, [Int]), n: Int, rng: inout RNG) -> [UInt8] {
        let (_, be, bb, scales) = t
        var bytes = (0..<(n / be * bb)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for b in 0..<(n / be) {
            for off in scales {
                let h = ck_fp32_to_fp16(Float.random(in: 0.0005...0.05, using: &rng))
                bytes[b * bb + off] = UInt8(h & 0xFF)
                bytes[b * bb + off + 1] = UInt8(h >> 8)
            }
        }
        return bytes
    }

    /// Dequantized activation row (Q8_0 / Q8_1 / Q8_K blocks).
    static func dequantizeActivation(_ raw: UnsafeRawPointer, dotType: Int32, n: Int) -> [Double] {
        var out: [Double] = []
        let bb = QuantType(rawValue: UInt32(dotType))!.blockLayout.bytes
        switch dotType {
        case Int32(CK_Q8_0), Int32(CK_Q8_1):
            let qoff = dotType == Int32(CK_Q8_0) ? 2 : 4
            for b in 0..<(n / 32) {
                let d = Double(ck_fp16_to_fp32(raw.loadUnaligned(fromByteOffset: b * bb, as: UInt16.self)))
                for j in 0..<32 { out.append(d * Double(raw.load(fromByteOffset: b * bb + qoff + j, as: Int8.self))) }
            }
        case Int32(CK_Q8_K):
            for b in 0..<(n / 256) {
                let d = Double(raw.loadUnaligned(fromByteOffset: b * bb, as: Float.self))
                for j in 0..<256 { out.append(d * Double(raw.load(fromByteOffset: b * bb + 4 + j, as: Int8.self))) }
            }
        default: break
        }
        return out
    }

    @Test(arguments: 0..<8)
    func dotProductsMatchReferences(index: Int) throws {
        let t = Self.types[index]
        let type = Int32(t.0.rawValue)
        let n = 512
        var rng = RNG(s: UInt64(index + 1))
        for trial in 0..<20 {
            let w = Self.randomWeights(t, n: n, rng: &rng)
            let x = (0..<n).map { _ in Float.random(in: -3...3, using: &rng) * (trial % 3 == 0 ? 50 : 1) }
            let dotType = ck_vec_dot_type(type)
            let bytes = ck_activation_row_bytes(type, Int64(n))
            var act = [UInt8](repeating: 0, count: bytes), actPortable = act
            #expect(ck_quantize_activation(type, x, &act, Int64(n)) == 0)
            #expect(ck_quantize_activation_portable(type, x, &actPortable, Int64(n)) == 0)
            #expect(act == actPortable, "\(t.0): vector and portable activation quantizers differ")
            var wf = [Float](repeating: 0, count: n)
            w.withUnsafeBytes { wp in wf.withUnsafeMutableBufferPointer { Dequantize.row(t.0, wp.baseAddress!, $0.baseAddress!, count: n) } }
            let xa = act.withUnsafeBytes { Self.dequantizeActivation($0.baseAddress!, dotType: dotType, n: n) }
            var ref = 0.0, mag = 0.0
            for i in 0..<n { ref += Double(wf[i]) * xa[i]; mag += abs(Double(wf[i]) * xa[i]) }
            if dotType == Int32(CK_Q8_1) {
                // Q4_1/Q5_1 use the activation block's stored s = fp16(d·Σq) for the min term, as llama.cpp.
                let ab = QuantType.q8_1.blockLayout.bytes
                for b in 0..<(n / 32) {
                    let m = Double(ck_fp16_to_fp32(UInt16(w[b * t.2 + 2]) | UInt16(w[b * t.2 + 3]) << 8))
                    let stored = Double(ck_fp16_to_fp32(UInt16(act[b * ab + 2]) | UInt16(act[b * ab + 3]) << 8))
                    ref += m * (stored - xa[(b * 32)..<(b * 32 + 32)].reduce(0, +))
                }
            }
            let tol = 2e-6 * mag + 1e-6
            // Every kernel level this CPU has (AVX-512 VNNI, AVX2, portable), the dispatched one last.
            for level in 0...ck_kernel_level() {
                let v = ck_vec_dot_at(level, type, Int64(n), w, act)
                #expect(abs(Double(v) - ref) <= tol, "\(t.0) trial \(trial) level \(level): \(v) vs reference \(ref)")
            }
        }
    }

    /// Every multi-row and multi-token path gives exactly the single-row, single-token kernel's
    /// numbers at every kernel level: batch size never changes a logit. Token counts: 1 and 2
    /// (AVX-512 Q5_0/Q8_0: row lanes, 16 rows per call + a tail; K-quants: row by row), 3 and 31
    /// (AVX-512 Q5_0/Q8_0/Q4_K/Q6_K: token lanes, 16 + 15; AVX2: 4·7 + 3); 24 rows from row 0 and
    /// from row 5 (a thread's slice). An odd block count (n = 480) takes the AVX2 kernels on an AVX-512
    /// machine, for all token counts alike.
    @Test(arguments: 0..<8, [512, 480])
    func matmulRowsEqualsSingleDots(index: Int, n: Int) throws {
        let t = Self.types[index]
        guard n % t.1 == 0 else { return }
        let type = Int32(t.0.rawValue)
        let rows = 24, maxTokens = 31
        var rng = RNG(s: UInt64(100 + index))
        let w = Self.randomWeights(t, n: n * rows, rng: &rng)
        let rowBytes = n / t.1 * t.2
        let actBytes = ck_activation_row_bytes(type, Int64(n))
        var act = [UInt8](repeating: 0, count: actBytes * maxTokens)
        for k in 0..<maxTokens {
            let x = (0..<n).map { _ in Float.random(in: -2...2, using: &rng) }
            act.withUnsafeMutableBytes { _ = ck_quantize_activation(type, x, $0.baseAddress! + k * actBytes, Int64(n)) }
        }
        for level in 0...ck_kernel_level() {
            for tokens in [1, 2, 3, maxTokens] {
                for rowBegin in [0, 5] {
                    var y = [Float](repeating: .nan, count: tokens * rows)
                    #expect(ck_matmul_rows_at(level, type, w, rowBytes, Int64(n), Int64(rowBegin), Int64(rows), act, actBytes,
                                              Int64(tokens), &y, Int64(rows)) == 0)
                    w.withUnsafeBytes { wp in
                        act.withUnsafeBytes { ap in
                            for k in 0..<tokens {
                                for r in rowBegin..<rows {
                                    let one = ck_vec_dot_at(level, type, Int64(n), wp.baseAddress! + r * rowBytes,
                                                            ap.baseAddress! + k * actBytes)
                                    #expect(y[k * rows + r].bitPattern == one.bitPattern,
                                            "\(t.0) level \(level) tokens \(tokens) token \(k) row \(r)")
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Rounding ties (x·127/max exactly k + ½) go to even in both quantizers, as llama.cpp's
    /// _mm256_round_ps does.
    @Test func activationQuantizersRoundHalfToEven() {
        var x = [Float](repeating: 0, count: 32)
        x[0] = 127                      // max → scale 1
        x[1] = 2.5; x[2] = -2.5; x[3] = 3.5; x[4] = 0.5
        var a = [UInt8](repeating: 0, count: 34), b = a
        _ = ck_quantize_activation(Int32(CK_Q8_0), x, &a, 32)
        _ = ck_quantize_activation_portable(Int32(CK_Q8_0), x, &b, 32)
        #expect(a == b)
        #expect(Array(a[2...6].map { Int8(bitPattern: $0) }) == [127, 2, -2, 4, 0])
    }

    /// QuantType reads CKernels' type table: every id ggml defines, with its name and block layout.
    @Test func quantTypeReadsTheTypeTable() {
        #expect(QuantType.allCases.count == 32)
        #expect(QuantType(rawValue: 4) == nil && QuantType(rawValue: 40) == nil)
        #expect(QuantType(rawValue: 14) == .q6_K && QuantType.q6_K.description == "Q6_K")
        #expect(QuantType.q6_K.blockLayout.elements == 256 && QuantType.q6_K.blockLayout.bytes == 210)
        #expect(QuantType.allCases.filter(\.isSupported) == [.f32, .f16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K, .bf16])
        #expect(QuantType.q8_0.byteCount(elements: 64) == 68 && QuantType.q8_0.byteCount(elements: 48) == nil)
    }

    @Test func halfConversionsMatchHardware() {
        var rng = RNG(s: 42)
        for _ in 0..<200_000 {
            let f = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng))
            if f.isNaN { continue }
            #expect(ck_fp32_to_fp16(f) == Float16(f).bitPattern, "\(f)")
        }
        for h in UInt16.min...UInt16.max where !Float16(bitPattern: h).isNaN {
            #expect(ck_fp16_to_fp32(h) == Float(Float16(bitPattern: h)))
        }
    }
}
