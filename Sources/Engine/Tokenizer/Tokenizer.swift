// The tokenizer stored in a GGUF file, reproducing llama.cpp's llama_tokenize /
// llama_token_to_piece for SPM (Gemma) and byte-level BPE (SmolLM2, Qwen2.5).

/// Text <-> token ids for one model. Immutable and thread-safe.
public final class Tokenizer: Sendable {
    let vocab: Vocabulary
    let splitter: SpecialTokenSplitter
    let merges: BPEMerges?
    let preTokenizer: PreTokenizer?
    /// SPM byte fallback: token for each byte (`<0xXX>`, else the one-byte token).
    let byteTokens: [Int32]
    /// Decoded piece of every token as llama.cpp renders it with `special = true`.
    let pieces: TokenTable

    /// Number of tokens in the vocabulary (valid ids are `0..<vocabSize`).
    public var vocabSize: Int { vocab.count }
    /// Beginning-of-sequence token, if the vocabulary has one.
    public var bos: Int32? { vocab.bos }
    /// End-of-sequence token.
    public var eos: Int32? { vocab.eos }
    /// End-of-turn token (`tokenizer.ggml.eot_token_id`, else detected by text like llama.cpp;
    /// with several candidates llama.cpp's pick is hash-order dependent, ours is the lowest id).
    public var eot: Int32? { vocab.eot }
    /// Every token that ends generation (llama.cpp's `special_eog_ids`).
    public var endOfGeneration: Set<Int32> { vocab.endOfGeneration }
    /// Whether `encode(_, addSpecial: true)` prepends BOS (`tokenizer.ggml.add_bos_token`,
    /// llama.cpp's per-model default when absent).
    public var addsBOS: Bool { vocab.addBOS }
    /// "spm" or "bpe/<pre-tokenizer>".
    public var kindDescription: String {
        switch vocab.kind {
        case .spm: return "spm"
        case .bpe(let pre): return "bpe/\(pre.rawValue)"
        }
    }

    public init(source: TokenizerSource) throws {
        let vocab = try Vocabulary(source)
        self.vocab = vocab
        splitter = SpecialTokenSplitter(vocab: vocab.table, attributes: vocab.attributes)
        if vocab.addBOS && vocab.bos == nil {
            throw TokenizerError.invalidValue(key: TokenizerSource.Key.addBOS, reason: "true, but the vocabulary has no BOS token")
        }
        if vocab.addEOS && vocab.eos == nil {
            throw TokenizerError.invalidValue(key: TokenizerSource.Key.addEOS, reason: "true, but the vocabulary has no EOS token")
        }
        switch vocab.kind {
        case .spm:
            merges = nil
            preTokenizer = nil
            var bytes = [Int32](repeating: -1, count: 256)
            for b in 0..<256 {
                let hex = Array(String(b, radix: 16, uppercase: true).utf8)
                let name = Array("<0x".utf8) + (hex.count == 1 ? [0x30] + hex : hex) + [0x3E]
                guard let id = vocab.table.lookup(name) ?? vocab.table.lookup([UInt8(b)]) else {
                    throw TokenizerError.invalidValue(key: TokenizerSource.Key.tokens,
                                                      reason: "SPM vocabulary has no byte-fallback token for byte \(b)")
                }
                bytes[b] = id
            }
            byteTokens = bytes
        case .bpe(let pre):
            guard let lines = source.merges else { throw TokenizerError.missingKey(TokenizerSource.Key.merges) }
            merges = try BPEMerges(table: vocab.table, merges: lines)
            preTokenizer = PreTokenizer(kind: pre)
            byteTokens = []
        }
        pieces = TokenTable(texts: (0..<vocab.count).map { Self.renderPiece(vocab, Int32($0)) })
    }

    // MARK: encoding

    /// Token ids for `text`, like llama.cpp's `llama_tokenize(text, add_special, parse_special)`.
    /// - Parameters:
    ///   - addSpecial: add BOS/EOS as the model's metadata asks (for these models: BOS for
    ///     Gemma, nothing for SmolLM2/Qwen).
    ///   - parseSpecial: recognise control tokens written in the text (e.g. `<|endoftext|>`);
    ///     llama-cpp-python's completion API passes true. User-defined tokens are always recognised.
    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool = true) -> [Int32] {
        var text = text
        return text.withUTF8 { encode(bytes: $0, addSpecial: addSpecial, parseSpecial: parseSpecial) }
    }

    func encode(bytes: UnsafeBufferPointer<UInt8>, addSpecial: Bool, parseSpecial: Bool) -> [Int32] {
        var output: [Int32] = []
        output.reserveCapacity(bytes.count / 3 + 2)
        if addSpecial && vocab.addBOS, let bos = vocab.bos { output.append(bos) }
        let fragments = splitter.split(bytes, parseSpecial: parseSpecial)
        switch vocab.kind {
        case .spm:
            var work = SPMWorkspace()
            var escaped: [UInt8] = []
            var previousWasSpecial = true
            for fragment in fragments {
                switch fragment {
                case .token(let id):
                    output.append(id)
                    previousWasSpecial = true
                case .text(let range):
                    escaped.removeAll(keepingCapacity: true)
                    if vocab.addSpacePrefix && previousWasSpecial { escaped.append(contentsOf: Self.spaceMark) }
                    for b in bytes[range] {
                        if b == 0x20 { escaped.append(contentsOf: Self.spaceMark) } else { escaped.append(b) }
                    }
                    escaped.withUnsafeBufferPointer {
                        work.encode(text: $0, vocab: vocab, byteTokens: byteTokens, into: &output)
                    }
                    previousWasSpecial = false
                }
            }
        case .bpe:
            guard let merges, let preTokenizer else { break }
            var work = BPEWorkspace()
            var scratch = PreTokenizerScratch()
            for fragment in fragments {
                switch fragment {
                case .token(let id):
                    output.append(id)
                case .text(let range):
                    let piece = UnsafeBufferPointer(rebasing: bytes[range])
                    scratch.words(of: piece, preTokenizer) { word in
                        work.encode(word: word, merges: merges, table: vocab.table, ignoreMerges: vocab.ignoreMerges,
                                    into: &output)
                    }
                }
            }
        }
        if addSpecial && vocab.addEOS, let eos = vocab.eos { output.append(eos) }
        return output
    }

    /// U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible space.
    static let spaceMark: [UInt8] = [0xE2, 0x96, 0x81]

    // MARK: decoding

    /// The bytes a token stands for (llama.cpp `llama_token_to_piece`, lstrip 0). With
    /// `special` false, control and unknown tokens render as nothing.
    public func piece(_ id: Int32, special: Bool = false) -> ArraySlice<UInt8> {
        guard id >= 0, Int(id) < vocab.count else { return [] }
        if !special && !vocab.attributes[Int(id)].isDisjoint(with: [.control, .unknown]) { return [] }
        return pieces.text(id)
    }

    /// Concatenated pieces of `ids` as bytes (no llama_detokenize space cleanup: the
    /// models here do not ask for it, and llama-cpp-python's text output does not use it).
    public func decodeBytes(_ ids: [Int32], special: Bool = false) throws -> [UInt8] {
        var out: [UInt8] = []
        for id in ids {
            guard id >= 0, Int(id) < vocab.count else { throw TokenizerError.tokenOutOfRange(id: Int64(id), vocabSize: vocab.count) }
            out.append(contentsOf: piece(id, special: special))
        }
        return out
    }

    /// Text of `ids`; invalid UTF-8 (a sequence cut by the end of `ids`) becomes U+FFFD,
    /// and so does an id outside the vocabulary.
    public func decode(_ ids: [Int32], special: Bool = false) -> String {
        var out: [UInt8] = []
        for id in ids {
            if id >= 0 && Int(id) < vocab.count {
                out.append(contentsOf: piece(id, special: special))
            } else {
                out.append(contentsOf: [0xEF, 0xBF, 0xBD])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A decoder for generated tokens that only releases complete UTF-8 characters.
    public func makeStreamingDecoder(special: Bool = false) -> StreamingDecoder {
        StreamingDecoder(tokenizer: self, special: special)
    }

    public func isEndOfGeneration(_ id: Int32) -> Bool {
        vocab.endOfGeneration.contains(id)
    }

    /// llama.cpp token_to_piece with special = true (the control/unknown check is done in `piece`).
    private static func renderPiece(_ vocab: Vocabulary, _ id: Int32) -> [UInt8] {
        let attr = vocab.attributes[Int(id)]
        let text = vocab.table.text(id)
        if !attr.isDisjoint(with: [.control, .unknown, .userDefined]) { return Array(text) }
        if attr.contains(.normal) {
            switch vocab.kind {
            case .spm:
                return unescapeSpaces(text)
            case .bpe:
                return decodeByteLevel(text)
            }
        }
        if attr.contains(.byte) {
            // "<0xXX>" -> the byte (llama.cpp token_to_byte)
            guard text.count == 6, let byte = UInt8(String(decoding: text.dropFirst(3).prefix(2), as: UTF8.self), radix: 16) else {
                return []
            }
            return [byte]
        }
        return []  // undefined / unused-only tokens render as nothing
    }

    private static func unescapeSpaces(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == 0xE2, i + 2 < text.endIndex, text[i + 1] == 0x96, text[i + 2] == 0x81 {
                out.append(0x20)
                i += 3
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return out
    }

    /// llama_decode_text: every codepoint of the token text is a GPT-2 byte character;
    /// others are kept as llama.cpp does, wrapped in "[UNK_BYTE_0x..]".
    private static func decodeByteLevel(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        let whole = String(decoding: text, as: UTF8.self)
        for scalar in whole.unicodeScalars {
            if let b = ByteLevel.decoded[scalar.value] {
                out.append(b)
            } else {
                out.append(contentsOf: Array("[UNK_BYTE_0x".utf8))
                for u in String(scalar).utf8 {
                    let h = String(u, radix: 16)
                    out.append(contentsOf: Array((h.count == 1 ? "0" + h : h).utf8))
                }
                out.append(contentsOf: text)
                out.append(0x5D)
            }
        }
        return out
    }
}
