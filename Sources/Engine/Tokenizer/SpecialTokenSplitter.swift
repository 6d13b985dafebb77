// llama.cpp's tokenizer_st_partition: before any model-specific tokenization the raw
// text is cut wherever the text of a special token occurs. Special tokens are those of
// type control, user-defined or unknown; control and unknown ones only count when
// `parse_special` is on, user-defined ones always (for Gemma: runs of spaces, newlines,
// tabs and HTML tags). llama.cpp tries the tokens longest first, each over all
// remaining raw fragments, taking non-overlapping occurrences left to right.
//
// Instead of searching the text once per special token (Gemma has ~6,400), we find
// every occurrence of every special token in one pass with a trie and then replay the
// same priority rule on those occurrences: an occurrence is taken iff it does not
// overlap one already taken by a token of higher priority or further left.
// Ties in length, which llama.cpp leaves to std::sort, are broken by lower id.

enum Fragment: Equatable {
    case text(Range<Int>)  // byte range of the input
    case token(Int32)
}

struct SpecialTokenSplitter: Sendable {
    private struct Edge: Hashable { let node: Int32; let byte: UInt8 }
    private var edges: [Edge: Int32] = [:]
    private var terminal: [Int32] = [-1]  // per node: token id ending here, or -1
    private var rootHasEdge = [Bool](repeating: false, count: 256)
    /// Priority rank per special token id (0 = tried first).
    private var priority: [Int32: Int32] = [:]
    /// Ids that are only special when parse_special is on (control, unknown).
    private var needsParseSpecial: Set<Int32> = []

    var isEmpty: Bool { priority.isEmpty }

    init(vocab table: TokenTable, attributes: [TokenAttributes]) {
        var specials: [Int32] = []
        for id in 0..<attributes.count where !attributes[id].isDisjoint(with: [.control, .userDefined, .unknown]) {
            specials.append(Int32(id))
        }
        specials.sort { a, b in
            let la = table.length(a), lb = table.length(b)
            return la != lb ? la > lb : a < b
        }
        for (rank, id) in specials.enumerated() {
            priority[id] = Int32(rank)
            if !attributes[Int(id)].isDisjoint(with: [.control, .unknown]) { needsParseSpecial.insert(id) }
            var node: Int32 = 0
            for byte in table.text(id) {
                let edge = Edge(node: node, byte: byte)
                if let next = edges[edge] {
                    node = next
                } else {
                    let next = Int32(terminal.count)
                    terminal.append(-1)
                    edges[edge] = next
                    node = next
                }
            }
            terminal[Int(node)] = id
            if let first = table.text(id).first { rootHasEdge[Int(first)] = true }
        }
    }

    /// Splits `bytes` into raw-text and special-token fragments, in order.
    func split(_ bytes: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Fragment] {
        let n = bytes.count
        if n == 0 { return [] }
        // 1. every occurrence of every eligible special token
        var found: [(rank: Int32, pos: Int, length: Int, id: Int32)] = []
        for start in 0..<n where rootHasEdge[Int(bytes[start])] {
            var node: Int32 = 0
            var p = start
            while p < n, let next = edges[Edge(node: node, byte: bytes[p])] {
                node = next
                p += 1
                let id = terminal[Int(node)]
                if id >= 0, parseSpecial || !needsParseSpecial.contains(id), let rank = priority[id] {
                    found.append((rank, start, p - start, id))
                }
            }
        }
        if found.isEmpty { return [.text(0..<n)] }
        // 2. llama.cpp's order: by token priority, then left to right; skip overlaps
        found.sort { $0.rank != $1.rank ? $0.rank < $1.rank : $0.pos < $1.pos }
        var covered = [Bool](repeating: false, count: n)
        var taken: [(pos: Int, end: Int, id: Int32)] = []
        for f in found {
            let end = f.pos + f.length
            if covered[f.pos..<end].contains(true) { continue }
            for i in f.pos..<end { covered[i] = true }
            taken.append((f.pos, end, f.id))
        }
        taken.sort { $0.pos < $1.pos }
        var out: [Fragment] = []
        var cursor = 0
        for t in taken {
            if t.pos > cursor { out.append(.text(cursor..<t.pos)) }
            out.append(.token(t.id))
            cursor = t.end
        }
        if cursor < n { out.append(.text(cursor..<n)) }
        return out
    }
}
