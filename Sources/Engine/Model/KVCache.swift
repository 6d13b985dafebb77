/// Keys and values of every processed position, per layer (f32, [position][kvDim]).
public final class KVCache: @unchecked Sendable {
    public let capacity: Int
    /// Positions filled so far.
    public internal(set) var count = 0
    let kvDim: Int
    let keys: [UnsafeMutablePointer<Float>]
    let values: [UnsafeMutablePointer<Float>]

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
        (keys[layer] + pos * kvDim).update(from: k, count: n * kvDim)
        (values[layer] + pos * kvDim).update(from: v, count: n * kvDim)
    }

    /// Forgets positions from `position` on (e.g. to reuse a shared prompt prefix).
    public func truncate(to position: Int) {
        count = max(0, min(count, position))
    }
}
