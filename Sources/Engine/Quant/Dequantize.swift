// Block dequantizers for the ggml types the engine supports, after ggml's dequantize_row_*
// reference (block sizes: the type table in CKernels; the field offsets below are ggml's block
// structs, as in CKernels' blocks.h). Each decodes one block into `out` (32 or 256 floats).
// QuantDot's Swift dot products decode through them block by block, so that reference path
// and the dequantized tensors cannot disagree.

@inline(__always) func fp16(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
    Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
}

@inline(__always) func load16(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD16<UInt8> {
    p.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
}

@inline(__always) func toFloat(_ v: SIMD16<UInt8>) -> SIMD16<Float> {
    SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: v))
}

@inline(__always) func store(_ v: SIMD16<Float>, _ out: UnsafeMutablePointer<Float>, _ i: Int) {
    UnsafeMutableRawPointer(out + i).storeBytes(of: v, as: SIMD16<Float>.self)
}

enum Blocks {
    @inline(__always) static func q4_0(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = fp16(p, 0)
        let q = load16(p, 2)
        store((toFloat(q & 15) - 8) * d, out, 0)
        store((toFloat(q &>> 4) - 8) * d, out, 16)
    }

    @inline(__always) static func q4_1(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = fp16(p, 0), m = fp16(p, 2)
        let q = load16(p, 4)
        store(toFloat(q & 15) * d + m, out, 0)
        store(toFloat(q &>> 4) * d + m, out, 16)
    }

    /// The 5th bits of the 32 elements, as two 16-lane vectors holding 0 or 16.
    @inline(__always) static func highBits(_ qh: UInt32) -> (SIMD16<UInt8>, SIMD16<UInt8>) {
        let lanes = SIMD16<UInt32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        let lo = ((SIMD16<UInt32>(repeating: qh) &>> lanes) & 1) &<< 4
        let hi = ((SIMD16<UInt32>(repeating: qh) &>> (lanes &+ 16)) & 1) &<< 4
        return (SIMD16<UInt8>(truncatingIfNeeded: lo), SIMD16<UInt8>(truncatingIfNeeded: hi))
    }

    @inline(__always) static func q5_0(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = fp16(p, 0)
        let (h0, h1) = highBits(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 2, as: UInt32.self)))
        let q = load16(p, 6)
        store((toFloat((q & 15) | h0) - 16) * d, out, 0)
        store((toFloat((q &>> 4) | h1) - 16) * d, out, 16)
    }

    @inline(__always) static func q5_1(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = fp16(p, 0), m = fp16(p, 2)
        let (h0, h1) = highBits(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
        let q = load16(p, 8)
        store(toFloat((q & 15) | h0) * d + m, out, 0)
        store(toFloat((q &>> 4) | h1) * d + m, out, 16)
    }

    @inline(__always) static func q8_0(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = fp16(p, 0)
        let a = p.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int8>.self)
        let b = p.loadUnaligned(fromByteOffset: 18, as: SIMD16<Int8>.self)
        store(SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: a)) * d, out, 0)
        store(SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: b)) * d, out, 16)
    }

    /// 6-bit scale and min of sub-block j (ggml get_scale_min_k4).
    @inline(__always) static func scaleMin(_ s: UnsafeRawPointer, _ j: Int) -> (Float, Float) {
        let b = s.assumingMemoryBound(to: UInt8.self)
        if j < 4 { return (Float(b[j] & 63), Float(b[j + 4] & 63)) }
        return (Float((b[j + 4] & 0xF) | ((b[j - 4] >> 6) << 4)), Float((b[j + 4] >> 4) | ((b[j] >> 6) << 4)))
    }

    @inline(__always) static func q4_K(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = fp16(p, 0), dmin = fp16(p, 2)
        let scales = p + 4
        for c in 0..<4 {
            let (sc1, m1) = scaleMin(scales, 2 * c), (sc2, m2) = scaleMin(scales, 2 * c + 1)
            let d1 = d * sc1, mm1 = dmin * m1, d2 = d * sc2, mm2 = dmin * m2
            for h in 0..<2 {
                let q = load16(p, 16 + 32 * c + 16 * h)
                store(toFloat(q & 15) * d1 - mm1, out, 64 * c + 16 * h)
                store(toFloat(q &>> 4) * d2 - mm2, out, 64 * c + 32 + 16 * h)
            }
        }
    }

    @inline(__always) static func q5_K(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = fp16(p, 0), dmin = fp16(p, 2)
        let scales = p + 4
        for c in 0..<4 {
            let (sc1, m1) = scaleMin(scales, 2 * c), (sc2, m2) = scaleMin(scales, 2 * c + 1)
            let d1 = d * sc1, mm1 = dmin * m1, d2 = d * sc2, mm2 = dmin * m2
            let u1 = UInt8(1 << (2 * c)), u2 = UInt8(2 << (2 * c))
            for h in 0..<2 {
                let qh = load16(p, 16 + 16 * h)
                let q = load16(p, 48 + 32 * c + 16 * h)
                let b1 = SIMD16<UInt8>(repeating: 16).replacing(with: 0, where: (qh & u1) .== 0)
                let b2 = SIMD16<UInt8>(repeating: 16).replacing(with: 0, where: (qh & u2) .== 0)
                store(toFloat((q & 15) | b1) * d1 - mm1, out, 64 * c + 16 * h)
                store(toFloat((q &>> 4) | b2) * d2 - mm2, out, 64 * c + 32 + 16 * h)
            }
        }
    }

    @inline(__always) static func q6_K(_ p: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = fp16(p, 208)
        let sc = (p + 192).assumingMemoryBound(to: Int8.self)
        for n in 0..<2 {
            let ql = 64 * n, qh = 128 + 32 * n, s = 8 * n, y = 128 * n
            for h in 0..<2 {   // l in 16h..<16h+16, scale index l/16 = h
                let a = load16(p, ql + 16 * h), b = load16(p, ql + 32 + 16 * h), hb = load16(p, qh + 16 * h)
                let q1 = (a & 15) | ((hb & 3) &<< 4)
                let q2 = (b & 15) | (((hb &>> 2) & 3) &<< 4)
                let q3 = (a &>> 4) | (((hb &>> 4) & 3) &<< 4)
                let q4 = (b &>> 4) | (((hb &>> 6) & 3) &<< 4)
                store((toFloat(q1) - 32) * (d * Float(sc[s + h])), out, y + 16 * h)
                store((toFloat(q2) - 32) * (d * Float(sc[s + h + 2])), out, y + 32 + 16 * h)
                store((toFloat(q3) - 32) * (d * Float(sc[s + h + 4])), out, y + 64 + 16 * h)
                store((toFloat(q4) - 32) * (d * Float(sc[s + h + 6])), out, y + 96 + 16 * h)
            }
        }
    }
}

public enum Dequantize {
    /// Decodes `count` elements of `type` starting at `src` (count must be a multiple of the
    /// block size, which `GGUFFile` guarantees for whole rows).
    public static func row(_ type: QuantType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        let (be, bb) = type.blockLayout
        let blocks = count / be
        switch type {
        case .f32: dst.update(from: src.assumingMemoryBound(to: Float.self), count: count)
        case .f16:
            for i in 0..<count { dst[i] = fp16(src, 2 * i) }
        case .bf16:
            for i in 0..<count { dst[i] = Float(bitPattern: UInt32(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16) }
        case .q4_0: for b in 0..<blocks { Blocks.q4_0(src + b * bb, dst + b * be) }
        case .q4_1: for b in 0..<blocks { Blocks.q4_1(src + b * bb, dst + b * be) }
        case .q5_0: for b in 0..<blocks { Blocks.q5_0(src + b * bb, dst + b * be) }
        case .q5_1: for b in 0..<blocks { Blocks.q5_1(src + b * bb, dst + b * be) }
        case .q8_0: for b in 0..<blocks { Blocks.q8_0(src + b * bb, dst + b * be) }
        case .q4_K: for b in 0..<blocks { Blocks.q4_K(src + b * bb, dst + b * be) }
        case .q5_K: for b in 0..<blocks { Blocks.q5_K(src + b * bb, dst + b * be) }
        case .q6_K: for b in 0..<blocks { Blocks.q6_K(src + b * bb, dst + b * be) }
        default: dst.update(repeating: .nan, count: count)  // callers check isSupported at load
        }
    }

    /// All of a tensor as f32 (tests, small tensors such as norms and biases).
    public static func tensor(_ file: GGUFFile, _ t: GGUFTensorInfo) throws -> [Float] {
        guard t.type.isSupported else { throw GGUFError.unsupportedTensorType(tensor: t.name, type: t.type.description) }
        var out = [Float](repeating: 0, count: t.elementCount)
        out.withUnsafeMutableBufferPointer { row(t.type, file.base + t.fileOffset, $0.baseAddress!, count: t.elementCount) }
        return out
    }
}
