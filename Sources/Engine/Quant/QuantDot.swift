// Dot products of one quantized weight row with an f32 activation vector: each block is
// decoded by the same block dequantizer as the reference path (into a 256-float L1 buffer)
// and multiplied with SIMD; the weights are never expanded in memory.

@inline(__always) func dot16(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
    var i = 0
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    while i + 32 <= n {
        acc0 = acc0.addingProduct(ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self),
                                  rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self))
        acc1 = acc1.addingProduct(ra.loadUnaligned(fromByteOffset: 4 * i + 64, as: SIMD16<Float>.self),
                                  rb.loadUnaligned(fromByteOffset: 4 * i + 64, as: SIMD16<Float>.self))
        i += 32
    }
    var s = (acc0 + acc1).sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}

public enum QuantDot {
    /// Σ w[i]·x[i] over `count` elements of a row of `type` at `w`.
    public static func row(_ type: QuantType, _ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int) -> Float {
        let (be, bb) = type.blockLayout
        switch type {
        case .f32: return dot16(w.assumingMemoryBound(to: Float.self), x, count)
        case .q8_0: return blocks(w, x, count, be, bb, Blocks.q8_0)
        case .q4_0: return blocks(w, x, count, be, bb, Blocks.q4_0)
        case .q4_1: return blocks(w, x, count, be, bb, Blocks.q4_1)
        case .q5_0: return blocks(w, x, count, be, bb, Blocks.q5_0)
        case .q5_1: return blocks(w, x, count, be, bb, Blocks.q5_1)
        case .q4_K: return blocks(w, x, count, be, bb, Blocks.q4_K)
        case .q5_K: return blocks(w, x, count, be, bb, Blocks.q5_K)
        case .q6_K: return blocks(w, x, count, be, bb, Blocks.q6_K)
        default:
            // F16/BF16 (and anything else supported): decode in 256-element chunks.
            return withUnsafeTemporaryAllocation(of: Float.self, capacity: 256) { buf in
                var s: Float = 0
                var i = 0
                while i < count {
                    let n = min(256, count - i)
                    Dequantize.row(type, w + i * bb, buf.baseAddress!, count: n)
                    s += dot16(buf.baseAddress!, x + i, n)
                    i += n
                }
                return s
            }
        }
    }

    @inline(__always)
    static func blocks(_ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ count: Int, _ be: Int, _ bb: Int,
                       _ decode: (UnsafeRawPointer, UnsafeMutablePointer<Float>) -> Void) -> Float {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 256) { buf in
            let b = buf.baseAddress!
            var acc = SIMD16<Float>()
            let raw = UnsafeRawPointer(b)
            var i = 0
            var blk = w
            while i < count {
                decode(blk, b)
                let xr = UnsafeRawPointer(x + i)
                var j = 0
                while j < be {
                    acc = acc.addingProduct(raw.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self),
                                            xr.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self))
                    j += 16
                }
                i += be
                blk += bb
            }
            return acc.sum()
        }
    }
}
