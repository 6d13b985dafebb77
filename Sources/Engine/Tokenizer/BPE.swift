// Byte-level BPE merging (llama.cpp llm_tokenizer_bpe_session::tokenize): each
// pre-tokenized word starts as one symbol per byte; the adjacent pair with the lowest
// merge rank (ties: leftmost) is merged until no pair has a rank.
//
// Symbols are identified by integers: vocabulary ids, plus extra ids for merge parts or
// results that are not themselves tokens (llama.cpp keys its ranks by strings, so such
// merges still apply). Merges are then integer lookups: (left id, right id) -> rank.

struct BPEMerges: Sendable {
    struct Merge: Sendable {
        let rank: Int32
        let result: Int32
    }
    /// (left << 32 | right) -> merge.
    let pairs: [UInt64: Merge]
    /// Symbol id of the one-byte symbol for each byte (the GPT-2 character standing for it).
    let byteSymbol: [Int32]
    /// Number of vocabulary tokens; symbol ids at or above it are not tokens.
    let vocabCount: Int

    init(table: TokenTable, merges: [[UInt8]]) throws {
        vocabCount = table.count
        var extra: [[UInt8]: Int32] = [:]
        func symbol(_ text: ArraySlice<UInt8>) -> Int32 {
            let bytes = Array(text)
            if let id = table.lookup(bytes) { return id }
            if let id = extra[bytes] { return id }
            let id = Int32(table.count + extra.count)
            extra[bytes] = id
            return id
        }
        var pairs: [UInt64: Merge] = [:]
        pairs.reserveCapacity(merges.count)
        for (rank, line) in merges.enumerated() {
            // llama.cpp: split at the first space after position 0.
            guard line.count > 1, let space = line[1...].firstIndex(of: 0x20) else {
                // llama.cpp stores such a line as the pair ("", ""), which never matches.
                continue
            }
            let left = line[..<space], right = line[(space + 1)...]
            let l = symbol(left), r = symbol(right)
            let key = UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: r))
            if pairs[key] == nil {  // std::unordered_map::emplace keeps the first
                pairs[key] = Merge(rank: Int32(rank), result: symbol(line[..<space] + line[(space + 1)...]))
            }
        }
        self.pairs = pairs
        byteSymbol = (0..<256).map { b in symbol(ArraySlice(ByteLevel.encoded[b])) }
    }

    @inline(__always) func merge(_ left: Int32, _ right: Int32) -> Merge? {
        pairs[UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))]
    }
}

/// Reusable buffers for merging one word at a time.
struct BPEWorkspace {
    struct Symbol {
        var id: Int32
        var prev: Int32
        var next: Int32
        var start: Int32  // byte range of the word covered by the symbol
        var end: Int32
    }
    var symbols: [Symbol] = []
    var heap = PriorityQueue<MergeCandidate>()
    var encoded: [UInt8] = []

    /// Merges `word` (raw bytes of one pre-tokenized piece) and appends its token ids.
    mutating func encode(word: UnsafeBufferPointer<UInt8>, merges: BPEMerges, table: TokenTable,
                         ignoreMerges: Bool, into output: inout [Int32]) {
        if ignoreMerges {
            encoded.removeAll(keepingCapacity: true)
            for b in word { encoded.append(contentsOf: ByteLevel.encoded[Int(b)]) }
            if let id = table.lookup(encoded) {
                output.append(id)
                return
            }
        }
        symbols.removeAll(keepingCapacity: true)
        heap.removeAll()
        let n = word.count
        for i in 0..<n {
            symbols.append(Symbol(id: merges.byteSymbol[Int(word[i])], prev: Int32(i - 1),
                                  next: i + 1 < n ? Int32(i + 1) : -1, start: Int32(i), end: Int32(i + 1)))
        }
        for i in 1..<max(n, 1) { addPair(i - 1, i, merges) }
        while let top = heap.pop() {
            let l = Int(top.left), r = Int(top.right)
            // Stale entry: one side already merged away or grown since it was queued.
            if symbols[l].end == symbols[l].start || symbols[r].end == symbols[r].start { continue }
            if symbols[l].id != top.leftID || symbols[r].id != top.rightID { continue }
            symbols[l].id = top.result
            symbols[l].end = symbols[r].end
            symbols[r].end = symbols[r].start
            symbols[l].next = symbols[r].next
            if symbols[r].next >= 0 { symbols[Int(symbols[r].next)].prev = Int32(l) }
            if symbols[l].prev >= 0 { addPair(Int(symbols[l].prev), l, merges) }
            if symbols[l].next >= 0 { addPair(l, Int(symbols[l].next), merges) }
        }
        var i = n > 0 ? 0 : -1
        while i >= 0 {
            let s = symbols[i]
            if s.id >= 0 && Int(s.id) < merges.vocabCount {
                output.append(s.id)
            } else {
                // Not a token: llama.cpp looks up every byte of the symbol's (GPT-2
                // encoded) text as a one-byte token and drops the ones that are not.
                for k in Int(s.start)..<Int(s.end) {
                    for e in ByteLevel.encoded[Int(word[k])] {
                        if let id = table.lookup([e]) { output.append(id) }
                    }
                }
            }
            i = Int(s.next)
        }
    }

    private mutating func addPair(_ l: Int, _ r: Int, _ merges: BPEMerges) {
        let a = symbols[l].id, b = symbols[r].id
        guard a >= 0, b >= 0, let m = merges.merge(a, b) else { return }
        heap.push(MergeCandidate(rank: m.rank, left: Int32(l), right: Int32(r), leftID: a, rightID: b, result: m.result))
    }
}

/// A queued merge; ordered like llama.cpp's llm_bigram_bpe comparator: lowest rank, then leftmost.
struct MergeCandidate: HeapOrdered {
    var rank: Int32
    var left: Int32
    var right: Int32
    var leftID: Int32
    var rightID: Int32
    var result: Int32

    static func precedes(_ a: Self, _ b: Self) -> Bool {
        a.rank < b.rank || (a.rank == b.rank && a.left < b.left)
    }
}
