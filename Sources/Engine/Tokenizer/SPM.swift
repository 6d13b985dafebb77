// SentencePiece-style merging as llama.cpp does it for `tokenizer.ggml.model = llama`
// (llm_tokenizer_spm_session): start from UTF-8 characters, repeatedly merge the
// adjacent pair whose concatenation is a vocabulary token with the highest score (ties:
// leftmost), then emit each symbol's token or, failing that, one byte token per byte.

struct SPMWorkspace {
    struct Symbol {
        var prev: Int32
        var next: Int32
        var start: Int32
        var length: Int32
    }
    /// Ordered like llama.cpp's llm_bigram_spm comparator: highest score, then leftmost.
    struct Bigram: HeapOrdered {
        var score: Float
        var left: Int32
        var right: Int32
        var size: Int32

        static func precedes(_ a: Self, _ b: Self) -> Bool {
            a.score > b.score || (a.score == b.score && a.left < b.left)
        }
    }
    var symbols: [Symbol] = []
    var queue = PriorityQueue<Bigram>()

    /// `text` is the fragment with spaces already replaced by U+2581.
    mutating func encode(text: UnsafeBufferPointer<UInt8>, vocab: Vocabulary, byteTokens: [Int32],
                         into output: inout [Int32]) {
        symbols.removeAll(keepingCapacity: true)
        queue.removeAll()
        let n = text.count
        var offset = 0
        var index: Int32 = 0
        while offset < n {
            let len = min(Self.utf8Length(text[offset]), n - offset)
            offset += len
            symbols.append(Symbol(prev: index - 1, next: offset == n ? -1 : index + 1,
                                  start: Int32(offset - len), length: Int32(len)))
            index += 1
        }
        for i in stride(from: 1, to: symbols.count, by: 1) { tryAdd(i - 1, i, text, vocab) }
        while let b = queue.pop() {
            let l = Int(b.left), r = Int(b.right)
            if symbols[l].length == 0 || symbols[r].length == 0 || symbols[l].length + symbols[r].length != b.size {
                continue
            }
            symbols[l].length += symbols[r].length
            symbols[r].length = 0
            symbols[l].next = symbols[r].next
            if symbols[r].next >= 0 { symbols[Int(symbols[r].next)].prev = b.left }
            tryAdd(Int(symbols[l].prev), l, text, vocab)
            tryAdd(l, Int(symbols[l].next), text, vocab)
        }
        var i = symbols.isEmpty ? -1 : 0
        while i >= 0 {
            let s = symbols[i]
            let piece = UnsafeBufferPointer(rebasing: text[Int(s.start)..<Int(s.start + s.length)])
            if let id = vocab.table.lookup(piece) {
                output.append(id)
            } else {
                // A merged symbol is always a token, so only single characters get here
                // (llama.cpp's rev_merge path is unreachable): byte fallback.
                for byte in piece { output.append(byteTokens[Int(byte)]) }
            }
            i = Int(s.next)
        }
    }

    /// llama.cpp unicode_len_utf8: length from the lead byte's high nibble.
    @inline(__always) static func utf8Length(_ b: UInt8) -> Int {
        switch b >> 4 {
        case 0xC, 0xD: return 2
        case 0xE: return 3
        case 0xF: return 4
        default: return 1
        }
    }

    private mutating func tryAdd(_ left: Int, _ right: Int, _ text: UnsafeBufferPointer<UInt8>, _ vocab: Vocabulary) {
        if left < 0 || right < 0 { return }
        let start = Int(symbols[left].start)
        let size = Int(symbols[left].length + symbols[right].length)
        guard let id = vocab.table.lookup(UnsafeBufferPointer(rebasing: text[start..<start + size])) else { return }
        queue.push(Bigram(score: vocab.scores[Int(id)], left: Int32(left), right: Int32(right), size: Int32(size)))
    }
}
