/// Turns generated token ids into text as they arrive, releasing only complete UTF-8
/// characters: a character split across byte-fallback tokens (an emoji in Gemma, any
/// non-ASCII byte run in byte-level BPE) is held back until its last byte arrives.
public struct StreamingDecoder: Sendable {
    private let tokenizer: Tokenizer
    private let special: Bool
    private var pending: [UInt8] = []

    init(tokenizer: Tokenizer, special: Bool) {
        self.tokenizer = tokenizer
        self.special = special
    }

    /// Adds one token; returns the text that became complete (possibly empty).
    public mutating func append(_ id: Int32) -> String {
        if id >= 0 && Int(id) < tokenizer.vocabSize {
            pending.append(contentsOf: tokenizer.piece(id, special: special))
        } else {
            pending.append(contentsOf: [0xEF, 0xBF, 0xBD])
        }
        let cut = Self.completePrefixLength(pending)
        if cut == 0 { return "" }
        let text = String(decoding: pending[0..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Releases whatever is held back (an incomplete sequence becomes U+FFFD).
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// Bytes currently held back.
    public var pendingByteCount: Int { pending.count }

    /// Length of the longest prefix that does not end inside a valid-looking, unfinished
    /// UTF-8 sequence. Bytes that can never become valid are released (and decode to U+FFFD).
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        // Look back at most 3 bytes for the lead byte of the last sequence.
        var i = n - 1
        var continuation = 0
        while i >= 0 && n - i <= 4 {
            let b = bytes[i]
            if b & 0xC0 == 0x80 {
                continuation += 1
                i -= 1
                continue
            }
            let need: Int
            switch b {
            case 0xC2...0xDF: need = 2
            case 0xE0...0xEF: need = 3
            case 0xF0...0xF4: need = 4
            default: return n  // ASCII or an invalid lead: nothing to wait for
            }
            return continuation + 1 < need ? i : n
        }
        return n
    }
}
