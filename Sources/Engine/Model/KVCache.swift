import CKernels

/// Keys and values of every processed position, per layer, in f16 ([position][kvDim]) as
/// llama.cpp's default cache: half the memory traffic of f32 and llama.cpp's rounding.
public final class KVCache: @unchecked Sendable {
    public let capacity: Int
    /// Positions filled so far.
    public internal(set) var count = 0
    let kvDim: Int
    let keys: [UnsafeMutablePointer<UInt16>]
    let values: [UnsafeMutablePointer<UInt16>]

    init(layers: Int, kvDim: Int, capacity: Int) {
        self.capacity = capacity
        self.kvDim = kvDim
        keys = (0..<layers).map { _ in .allocate(capacity: capacity * kvDim) }
        values = (0..<layers).map { _ in .allocate(capacity: capacity * kvDim) }
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    func store(layer: Int, from pos: Int, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>, count n: Int) {
        ck_fp32_to_fp16_row(k, keys[layer] + pos * kvDim, Int64(n * kvDim))
        ck_fp32_to_fp16_row(v, values[layer] + pos * kvDim, Int64(n * kvDim))
    }

    /// Copies positions 0..<`positions` of `other` (a shared prompt prefix) into this cache.
    public func copyPrefix(from other: KVCache, positions: Int) {
        precondition(other.kvDim == kvDim && other.keys.count == keys.count && positions <= min(other.count, capacity))
        for l in 0..<keys.count {
            keys[l].update(from: other.keys[l], count: positions * kvDim)
            values[l].update(from: other.values[l], count: positions * kvDim)
        }
        count = positions
    }

    /// Forgets positions from `position` on (e.g. to reuse a shared prompt prefix).
    public func truncate(to position: Int) {
        count = max(0, min(count, position))
    }
}
