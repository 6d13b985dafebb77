import Testing
@testable import Engine

/// Tokenizer behaviour on small hand-made vocabularies (no model files needed).
@Suite("Tokenizer units")
struct TokenizerUnitTests {
    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// SPM vocabulary: <unk> <s> </s>, 256 byte tokens, then scored pieces.
    static func spm(_ pieces: [(String, Float)], userDefined: [String] = [], control: [String] = [],
                    flags: [String: Bool] = [:]) throws -> Tokenizer {
        var tokens: [[UInt8]] = [bytes("<unk>"), bytes("<s>"), bytes("</s>")]
        var types: [Int32] = [2, 3, 3]
        var scores: [Float] = [0, 0, 0]
        for b in 0..<256 {
            tokens.append(bytes(String(format: "<0x%02X>", b)))
            types.append(6)
            scores.append(0)
        }
        for (p, s) in pieces { tokens.append(bytes(p)); types.append(1); scores.append(s) }
        for u in userDefined { tokens.append(bytes(u)); types.append(4); scores.append(-1000) }
        for c in control { tokens.append(bytes(c)); types.append(3); scores.append(-1000) }
        return try Tokenizer(source: TokenizerSource(model: "llama", tokens: tokens, scores: scores, tokenTypes: types,
                                                     flags: flags))
    }

    static func id(_ t: Tokenizer, _ text: String) -> Int32 {
        t.vocab.table.lookup(bytes(text)) ?? -1
    }

    @Test func spmMergesHighestScoreFirstAndFallsBackToBytes() throws {
        let t = try Self.spm([("▁", -1), ("a", -2), ("b", -3), ("ab", -4), ("▁a", -0.5), ("▁ab", -0.1)],
                        flags: [TokenizerSource.Key.addSpacePrefix: false])
        // "▁a" (score -0.5) beats "ab" (-4); then "▁a"+"b" = "▁ab".
        #expect(t.encode(" ab", addSpecial: false) == [Self.id(t, "▁ab")])
        // 'é' is not a piece: two byte tokens (0xC3 0xA9 -> ids 3 + byte).
        #expect(t.encode("é", addSpecial: false) == [3 + 0xC3, 3 + 0xA9])
        #expect(t.encode("", addSpecial: true) == [1])  // BOS only (SPM default add_bos)
        #expect(t.decode(t.encode(" abé", addSpecial: true)) == " abé")
    }

    @Test func spmAddsSpacePrefixByDefaultAfterSpecialTokens() throws {
        let t = try Self.spm([("▁", -1), ("a", -2), ("▁a", -0.5)], control: ["<ctl>"])
        let a = Self.id(t, "▁a"), ctl = Self.id(t, "<ctl>")
        #expect(t.encode("a", addSpecial: false) == [a])
        #expect(t.encode("a<ctl>a", addSpecial: true) == [1, a, ctl, a])
        // parse_special off: the control text is ordinary text (bytes here).
        #expect(!t.encode("a<ctl>a", addSpecial: false, parseSpecial: false).contains(ctl))
    }

    @Test func userDefinedTokensSplitBeforeMergingLongestFirst() throws {
        let t = try Self.spm([("▁", -1), ("x", -2)], userDefined: ["  ", "    ", "\n"],
                        flags: [TokenizerSource.Key.addSpacePrefix: false])
        let two = Self.id(t, "  "), four = Self.id(t, "    "), nl = Self.id(t, "\n"), x = Self.id(t, "x")
        #expect(t.encode("x      x\n", addSpecial: false, parseSpecial: false) == [x, four, two, x, nl])
        #expect(t.decode([x, four, nl]) == "x    \n")
    }

    /// Byte-level BPE vocabulary: the 256 byte characters, then merges' results.
    static func bpe(merges: [String], extra: [String] = [], control: [String] = [], pre: String = "qwen2") throws -> Tokenizer {
        var tokens = ByteLevel.encoded
        for m in merges { tokens.append(Array(m.replacingOccurrences(of: " ", with: "").utf8)) }
        for e in extra { tokens.append(bytes(e)) }
        var types = [Int32](repeating: 1, count: tokens.count)
        for c in control { tokens.append(bytes(c)); types.append(3) }
        return try Tokenizer(source: TokenizerSource(model: "gpt2", pre: pre, tokens: tokens, tokenTypes: types,
                                                     merges: merges.map(bytes)))
    }

    @Test func bpeMergesByRankAndLeftmostOnTies() throws {
        // "aaa": merge "a a" applies to the leftmost pair first -> "aa" + "a".
        let t = try Self.bpe(merges: ["a a", "b c"])
        let aa = Self.id(t, "aa"), a = Self.id(t, "a")
        #expect(t.encode("aaa", addSpecial: true) == [aa, a])  // no BOS for BPE by default
        // Rank order: "Ġ a" (rank 0) before "a b" (rank 1) in " ab".
        let u = try Self.bpe(merges: ["Ġ a", "a b", "Ġa b"])
        #expect(u.encode(" ab", addSpecial: false) == [Self.id(u, "Ġab")])
        #expect(u.decode(u.encode(" ab\n", addSpecial: false)) == " ab\n")
    }

    @Test func bpeControlTokensAreParsedOnlyWhenAsked() throws {
        let t = try Self.bpe(merges: [], control: ["<|endoftext|>"])
        let eot = Self.id(t, "<|endoftext|>")
        #expect(t.encode("a<|endoftext|>", addSpecial: false) == [Self.id(t, "a"), eot])
        #expect(!t.encode("a<|endoftext|>", addSpecial: false, parseSpecial: false).contains(eot))
        #expect(t.endOfGeneration.contains(eot))
        #expect(t.decode([eot]) == "")
        #expect(t.decode([eot], special: true) == "<|endoftext|>")
    }

    static func words(_ kind: PreTokenizerKind, _ text: String) -> [String] {
        var scratch = PreTokenizerScratch()
        var out: [String] = []
        var s = text
        s.withUTF8 { buf in
            scratch.words(of: buf, PreTokenizer(kind: kind)) { out.append(String(decoding: $0, as: UTF8.self)) }
        }
        return out
    }

    @Test func preTokenizerSplitsLikeTheRegexes() {
        let text = "Hello world  12345 it's DON'T\n\n  x+=1;"
        #expect(Self.words(.qwen2, text) ==
                ["Hello", " world", " ", " ", "1", "2", "3", "4", "5", " it", "'s", " DON", "'T", "\n\n", " ", " x", "+=", "1", ";"])
        #expect(Self.words(.llama3, text) ==
                ["Hello", " world", " ", " ", "123", "45", " it", "'s", " DON", "'T", "\n\n", " ", " x", "+=", "1", ";"])
        // GPT-2 is case-sensitive for contractions and keeps digit runs; SmolLM splits digits first.
        #expect(Self.words(.gpt2, text) ==
                ["Hello", " world", " ", " 12345", " it", "'s", " DON", "'", "T", "\n\n ", " x", "+=", "1", ";"])
        #expect(Self.words(.smollm, text) ==
                ["Hello", " world", "  ", "1", "2", "3", "4", "5", " it", "'s", " DON", "'", "T", "\n\n ", " x", "+=", "1", ";"])
        #expect(Self.words(.qwen2, "héllo 你好 🦙!") == ["héllo", " 你好", " 🦙!"])
    }

    @Test func streamingDecoderHoldsBackSplitCharacters() throws {
        let t = try Self.spm([("▁", -1), ("o", -2), ("k", -3), ("ok", -4)], flags: [TokenizerSource.Key.addSpacePrefix: false])
        let llama = Array("🦙".utf8).map { Int32(3 + Int($0)) }  // four byte tokens
        var d = t.makeStreamingDecoder()
        #expect(d.append(Self.id(t, "ok")) == "ok")
        #expect(d.append(llama[0]) == "")
        #expect(d.append(llama[1]) == "")
        #expect(d.append(llama[2]) == "")
        #expect(d.pendingByteCount == 3)
        #expect(d.append(llama[3]) == "🦙")
        #expect(d.append(llama[0]) == "")
        #expect(d.finish() == "\u{FFFD}")
        // Bytes that can never complete are not held.
        #expect(StreamingDecoder.completePrefixLength([0x61, 0xFF]) == 2)
        #expect(StreamingDecoder.completePrefixLength([0x61, 0xE2, 0x96]) == 1)
        #expect(StreamingDecoder.completePrefixLength([0xE2, 0x96, 0x81]) == 3)
    }

    @Test func badMetadataIsReported() throws {
        #expect(throws: TokenizerError.unsupportedModel("t5")) {
            try Tokenizer(source: TokenizerSource(model: "t5", tokens: [Self.bytes("a")]))
        }
        #expect(throws: TokenizerError.unsupportedPreTokenizer("tekken")) {
            try Tokenizer(source: TokenizerSource(model: "gpt2", pre: "tekken", tokens: ByteLevel.encoded, merges: [Self.bytes("a b")]))
        }
        #expect(throws: TokenizerError.missingKey(TokenizerSource.Key.merges)) {
            try Tokenizer(source: TokenizerSource(model: "gpt2", pre: "qwen2", tokens: ByteLevel.encoded))
        }
        // add_bos_token true, but BPE's default BOS id (11) is outside this 3-token vocabulary.
        #expect(throws: TokenizerError.self) {
            try Tokenizer(source: TokenizerSource(model: "gpt2", pre: "qwen2", tokens: [Self.bytes("a"), Self.bytes("b"), Self.bytes("ab")],
                                                  merges: [Self.bytes("a b")], flags: [TokenizerSource.Key.addBOS: true]))
        }
        let t = try Self.bpe(merges: [])
        #expect(throws: TokenizerError.tokenOutOfRange(id: 999, vocabSize: 256)) { try t.decodeBytes([999]) }
        #expect(t.decode([-1]) == "\u{FFFD}")
    }
}
