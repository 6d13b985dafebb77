// Hand-written scanners for the BPE pre-tokenizer regexes, mirroring llama.cpp's
// unicode_regex_split_custom_{gpt2,llama3,qwen2} (unicode.cpp) decision by decision,
// including their bounded-lookahead reading of `\s+(?!\S)`. A general regex engine
// is not needed and would be much slower.

/// Which split rules a byte-level BPE vocabulary uses (`tokenizer.ggml.pre`).
public enum PreTokenizerKind: String, Sendable, CaseIterable {
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`
    case gpt2
    /// `\p{N}` split first (every digit alone), then the GPT-2 rules (SmolLM, StarCoder).
    case smollm
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case llama3
    /// Like llama3 but `\p{N}` (single digits): Qwen2 / Qwen2.5.
    case qwen2

    /// Maps `tokenizer.ggml.pre` the way llama.cpp does (llama-vocab.cpp, `tokenizer_pre == ...`).
    init(ggufName: String?) throws {
        switch ggufName {
        case "gpt-2", "gpt2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum",
             "modern-bert", "exaone4", "mpt", "olmo", "jais":
            self = .gpt2
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b", "mellum2":
            self = .smollm
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano",
             "dbrx", "smaug-bpe":
            self = .llama3
        case "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez", "stablelm2", "hunyuan", "solar-open":
            self = .qwen2
        default:
            throw TokenizerError.unsupportedPreTokenizer(ggufName ?? "(absent: llama.cpp's 'default')")
        }
    }
}

/// Splits one text fragment (codepoints with their classes) into words; appends the
/// end index (in codepoints) of every word to `ends`.
struct PreTokenizer {
    let kind: PreTokenizerKind

    func split(cps: UnsafeBufferPointer<UInt32>, classes: UnsafeBufferPointer<UInt8>, into ends: inout [Int]) {
        let n = cps.count
        switch kind {
        case .gpt2:
            Self.gpt2(cps, classes, 0, n, &ends)
        case .llama3:
            Self.llama3(cps, classes, 0, n, digitRun: 3, &ends)
        case .qwen2:
            Self.llama3(cps, classes, 0, n, digitRun: 1, &ends)
        case .smollm:
            // std::regex `\p{N}` pass: every number codepoint is its own piece, the text
            // between digits forms pieces; the GPT-2 rules then run inside each piece.
            var start = 0
            for i in 0..<n where classes[i] & CodepointClass.number.rawValue != 0 {
                if i > start { Self.gpt2(cps, classes, start, i, &ends) }
                ends.append(i + 1)
                start = i + 1
            }
            if start < n { Self.gpt2(cps, classes, start, n, &ends) }
        }
    }

    private static let outOfRange: UInt32 = 0xFFFF_FFFF
    private static let letter = CodepointClass.letter.rawValue
    private static let number = CodepointClass.number.rawValue
    private static let space = CodepointClass.whitespace.rawValue

    private static func gpt2(_ cps: UnsafeBufferPointer<UInt32>, _ cls: UnsafeBufferPointer<UInt8>,
                             _ ini: Int, _ end: Int, _ ends: inout [Int]) {
        @inline(__always) func cpt(_ p: Int) -> UInt32 { p >= ini && p < end ? cps[p] : outOfRange }
        // Bit 0x80 marks "inside the fragment" (llama.cpp: flags.as_uint() != 0).
        @inline(__always) func flags(_ p: Int) -> UInt8 { p >= ini && p < end ? cls[p] | 0x80 : 0 }
        var pos = ini
        while pos < end {
            let c = cpt(pos)
            let f = flags(pos)
            if c == 0x27 && pos + 1 < end {  // 's 't 'm 'd 're 've 'll (case-sensitive)
                let n1 = cpt(pos + 1)
                if n1 == 0x73 || n1 == 0x74 || n1 == 0x6D || n1 == 0x64 {
                    pos += 2; ends.append(pos); continue
                }
                if pos + 2 < end {
                    let n2 = cpt(pos + 2)
                    if (n1 == 0x72 && n2 == 0x65) || (n1 == 0x76 && n2 == 0x65) || (n1 == 0x6C && n2 == 0x6C) {
                        pos += 3; ends.append(pos); continue
                    }
                }
            }
            var f2 = c == 0x20 ? flags(pos + 1) : f
            if f2 & letter != 0 {  // ' ?\p{L}+'
                if c == 0x20 { pos += 1 }
                while f2 & letter != 0 { pos += 1; f2 = flags(pos) }
                ends.append(pos); continue
            }
            if f2 & number != 0 {  // ' ?\p{N}+'
                if c == 0x20 { pos += 1 }
                while f2 & number != 0 { pos += 1; f2 = flags(pos) }
                ends.append(pos); continue
            }
            if f2 & (space | letter | number) == 0 && f2 != 0 {  // ' ?[^\s\p{L}\p{N}]+'
                if c == 0x20 { pos += 1 }
                while f2 & (space | letter | number) == 0 && f2 != 0 { pos += 1; f2 = flags(pos) }
                ends.append(pos); continue
            }
            var nws = 0
            while flags(pos + nws) & space != 0 { nws += 1 }
            if nws > 1 && cpt(pos + nws) != outOfRange {  // '\s+(?!\S)'
                pos += nws - 1; ends.append(pos); continue
            }
            if nws > 0 {  // '\s+'
                pos += nws; ends.append(pos); continue
            }
            pos += 1; ends.append(pos)  // no match: one codepoint
        }
    }

    private static func llama3(_ cps: UnsafeBufferPointer<UInt32>, _ cls: UnsafeBufferPointer<UInt8>,
                               _ ini: Int, _ end: Int, digitRun: Int, _ ends: inout [Int]) {
        @inline(__always) func cpt(_ p: Int) -> UInt32 { p >= ini && p < end ? cps[p] : outOfRange }
        @inline(__always) func flags(_ p: Int) -> UInt8 { p >= ini && p < end ? cls[p] | 0x80 : 0 }
        // unicode_tolower restricted to what can become s/t/m/d/r/v/e/l: ASCII capitals.
        @inline(__always) func lower(_ c: UInt32) -> UInt32 { c >= 0x41 && c <= 0x5A ? c + 0x20 : c }
        var pos = ini
        while pos < end {
            let c = cpt(pos)
            let f = flags(pos)
            if c == 0x27 && pos + 1 < end {  // (?i:'s|'t|'re|'ve|'m|'ll|'d)
                let n1 = lower(cpt(pos + 1))
                if n1 == 0x73 || n1 == 0x74 || n1 == 0x6D || n1 == 0x64 {
                    pos += 2; ends.append(pos); continue
                }
                if pos + 2 < end {
                    let n2 = lower(cpt(pos + 2))
                    if (n1 == 0x72 && n2 == 0x65) || (n1 == 0x76 && n2 == 0x65) || (n1 == 0x6C && n2 == 0x6C) {
                        pos += 3; ends.append(pos); continue
                    }
                }
            }
            if !(c == 0x0D || c == 0x0A || f & number != 0) {  // [^\r\n\p{L}\p{N}]?\p{L}+
                if f & letter != 0 || flags(pos + 1) & letter != 0 {
                    pos += 1
                    while flags(pos) & letter != 0 { pos += 1 }
                    ends.append(pos); continue
                }
            }
            if f & number != 0 {  // \p{N}{1,digitRun}
                var runStart = pos
                while flags(pos) & number != 0 {
                    pos += 1
                    if pos - runStart >= digitRun {
                        ends.append(pos)
                        runStart = pos
                    }
                }
                if (ends.last ?? -1) != pos { ends.append(pos) }
                continue
            }
            var f2 = c == 0x20 ? flags(pos + 1) : f
            if f2 & (space | letter | number) == 0 && f != 0 {  // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
                if c == 0x20 { pos += 1 }
                while f2 & (space | letter | number) == 0 && f2 != 0 { pos += 1; f2 = flags(pos) }
                var c2 = cpt(pos)
                while c2 == 0x0D || c2 == 0x0A { pos += 1; c2 = cpt(pos) }
                ends.append(pos); continue
            }
            var nws = 0
            var lastNewlineEnd = 0
            while flags(pos + nws) & space != 0 {
                let c2 = cpt(pos + nws)
                if c2 == 0x0D || c2 == 0x0A { lastNewlineEnd = pos + nws + 1 }
                nws += 1
            }
            if lastNewlineEnd > 0 {  // \s*[\r\n]+
                pos = lastNewlineEnd; ends.append(pos); continue
            }
            if nws > 1 && cpt(pos + nws) != outOfRange {  // \s+(?!\S)
                pos += nws - 1; ends.append(pos); continue
            }
            if nws > 0 {  // \s+
                pos += nws; ends.append(pos); continue
            }
            pos += 1; ends.append(pos)
        }
    }
}

/// Reusable buffers: decodes a UTF-8 fragment to codepoints with their classes, runs the
/// pre-tokenizer and hands out each word as a byte range of the fragment.
struct PreTokenizerScratch {
    private var cps: [UInt32] = []
    private var classes: [UInt8] = []
    private var byteStart: [Int] = []
    private var ends: [Int] = []

    /// ASCII classes, looked up without touching the Unicode tables.
    private static let ascii: [UInt8] = (0..<128).map { UnicodeClass.of(UInt32($0)).rawValue }

    mutating func words(of bytes: UnsafeBufferPointer<UInt8>, _ pre: PreTokenizer,
                        _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        cps.removeAll(keepingCapacity: true)
        classes.removeAll(keepingCapacity: true)
        byteStart.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = bytes[i]
            byteStart.append(i)
            if b0 < 0x80 {
                cps.append(UInt32(b0))
                classes.append(Self.ascii[Int(b0)])
                i += 1
                continue
            }
            // Input comes from a Swift String, so it is valid UTF-8.
            let len = SPMWorkspace.utf8Length(b0)
            var cp = UInt32(b0) & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07)
            for k in 1..<len where i + k < n { cp = cp << 6 | UInt32(bytes[i + k] & 0x3F) }
            cps.append(cp)
            classes.append(UnicodeClass.of(cp).rawValue)
            i += len
        }
        byteStart.append(n)
        cps.withUnsafeBufferPointer { c in
            classes.withUnsafeBufferPointer { k in
                pre.split(cps: c, classes: k, into: &ends)
            }
        }
        var start = 0
        for end in ends {
            body(UnsafeBufferPointer(rebasing: bytes[byteStart[start]..<byteStart[end]]))
            start = end
        }
    }
}
