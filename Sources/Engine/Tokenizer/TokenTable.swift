// Token texts stored back to back, with an open-addressing hash index from text bytes
// to token id. Lookups take a byte slice and allocate nothing: the SPM and BPE inner
// loops look up every candidate merge this way.

struct TokenTable: Sendable {
    private(set) var bytes: [UInt8] = []
    private(set) var offsets: [Int] = [0]
    private var slots: [Int32] = []
    private var mask = 0

    var count: Int { offsets.count - 1 }

    init(texts: [[UInt8]]) {
        bytes.reserveCapacity(texts.reduce(0) { $0 + $1.count })
        offsets.reserveCapacity(texts.count + 1)
        for t in texts {
            bytes.append(contentsOf: t)
            offsets.append(bytes.count)
        }
        var capacity = 16
        while capacity < texts.count * 2 { capacity <<= 1 }
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        // Later duplicates win, like llama.cpp's `token_to_id[word] = i`.
        for id in 0..<texts.count {
            insert(Int32(id))
        }
    }

    func text(_ id: Int32) -> ArraySlice<UInt8> {
        bytes[offsets[Int(id)]..<offsets[Int(id) + 1]]
    }

    func length(_ id: Int32) -> Int {
        offsets[Int(id) + 1] - offsets[Int(id)]
    }

    private static func hash(_ p: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in p {
            h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3
        }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    private mutating func insert(_ id: Int32) {
        let start = offsets[Int(id)], end = offsets[Int(id) + 1]
        let replaced: Bool = bytes.withUnsafeBufferPointer { all in
            let key = UnsafeBufferPointer(rebasing: all[start..<end])
            var i = Self.hash(key) & mask
            while slots[i] >= 0 {
                if equal(all, slots[i], key) {
                    slots[i] = id
                    return true
                }
                i = (i + 1) & mask
            }
            slots[i] = id
            return false
        }
        _ = replaced
    }

    private func equal(_ all: UnsafeBufferPointer<UInt8>, _ id: Int32, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let s = offsets[Int(id)], e = offsets[Int(id) + 1]
        if e - s != key.count { return false }
        var k = 0
        for j in s..<e {
            if all[j] != key[k] { return false }
            k += 1
        }
        return true
    }

    /// The id whose text is exactly `key`, or nil.
    func lookup(_ key: UnsafeBufferPointer<UInt8>) -> Int32? {
        bytes.withUnsafeBufferPointer { all in
            var i = Self.hash(key) & mask
            while true {
                let id = slots[i]
                if id < 0 { return nil }
                if equal(all, id, key) { return id }
                i = (i + 1) & mask
            }
        }
    }

    func lookup(_ key: [UInt8]) -> Int32? {
        key.withUnsafeBufferPointer { lookup($0) }
    }
}
