// GPT-2's reversible byte <-> unicode mapping used by byte-level BPE vocabularies:
// printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100... in order
// (so ' ' is 'Ġ' U+0120 and '\n' is 'Ċ' U+010A).

enum ByteLevel {
    /// UTF-8 encoding of the character that stands for each byte.
    static let encoded: [[UInt8]] = {
        var scalarFor = [UInt32](repeating: 0, count: 256)
        var assigned = [Bool](repeating: false, count: 256)
        for b in 0x21...0x7E { scalarFor[b] = UInt32(b); assigned[b] = true }
        for b in 0xA1...0xAC { scalarFor[b] = UInt32(b); assigned[b] = true }
        for b in 0xAE...0xFF { scalarFor[b] = UInt32(b); assigned[b] = true }
        var n: UInt32 = 0
        for b in 0..<256 where !assigned[b] {
            scalarFor[b] = 256 + n
            n += 1
        }
        return scalarFor.map { Array(String(Character(Unicode.Scalar($0)!)).utf8) }
    }()

    /// Inverse map: codepoint -> byte, for decoding token text.
    static let decoded: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for b in 0..<256 {
            let s = String(decoding: encoded[b], as: UTF8.self)
            map[s.unicodeScalars.first!.value] = UInt8(b)
        }
        return map
    }()
}
