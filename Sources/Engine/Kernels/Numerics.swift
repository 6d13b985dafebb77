#if canImport(Glibc)
import Glibc
#endif
import CKernels

// Element-wise operations written to give llama.cpp's CPU numbers (ggml-cpu, x86):
// the reference fixtures come from llama.cpp, and "the same logits" means reproducing
// where it rounds, not only what it computes.

enum Numerics {
    /// RMSNorm as ggml: Σx² accumulated in double, scale = 1/sqrtf(mean + eps) in float,
    /// y = (x·scale)·w (two float roundings, as its separate rms_norm and mul ops).
    static func rmsNorm(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                        dim: Int, eps: Float) {
        var ss = 0.0
        for i in 0..<dim { ss += Double(x[i] * x[i]) }
        let mean = Float(ss / Double(dim))
        let scale = 1 / (mean + eps).squareRoot()
        for i in 0..<dim { out[i] = (x[i] * scale) * w[i] }
    }

    /// GELU (tanh form) through ggml's fp16 lookup table: the input is rounded to fp16 and
    /// the table holds gelu(x) rounded to fp16; |x| ≥ 10 bypasses the table.
    static let geluTable: [Float] = (0..<65536).map { i in
        let x = ck_fp16_to_fp32(UInt16(i))
        let g = 0.5 * x * (1 + tanhf(0.79788456080286535587989211986876 * x * (1 + 0.044715 * x * x)))
        return ck_fp16_to_fp32(ck_fp32_to_fp16(g))
    }

    static func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count n: Int) {
        geluTable.withUnsafeBufferPointer { table in
            for i in 0..<n {
                let x = gate[i]
                let g: Float = x <= -10 ? 0 : x >= 10 ? x : table[Int(ck_fp32_to_fp16(x))]
                gate[i] = g * up[i]
            }
        }
    }

    static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n { let g = gate[i]; gate[i] = g / (1 + expf(-g)) * up[i] }
    }

    /// cos/sin of every rotated pair at `pos`, as ggml's rope cache: theta starts at pos and
    /// is multiplied by base^(−2/n) per pair in float (not pow per pair).
    static func ropeAngles(pos: Int, dims n: Int, base: Float, freqScale: Float, freqFactors: [Float]?,
                           cos cs: UnsafeMutablePointer<Float>, sin sn: UnsafeMutablePointer<Float>) {
        let thetaScale = powf(base, -2 / Float(n))
        var theta = Float(pos)
        for i in 0..<(n / 2) {
            let t = freqScale * (freqFactors.map { theta / $0[i] } ?? theta)
            cs[i] = cosf(t)
            sn[i] = sinf(t)
            theta *= thetaScale
        }
    }
}
