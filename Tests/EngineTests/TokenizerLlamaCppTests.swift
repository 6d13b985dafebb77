import Foundation
import Testing
@testable import Engine

/// Tokenization compared with llama.cpp (fixtures from scripts/fixtures/llamacpp_reference.py):
/// the whole corpus (164 HumanEval prompts, 50 MBPP texts + code, 50 GSM8k questions) and
/// the edge cases in all four add_special/parse_special modes must give identical ids, and
/// every token's piece must be byte-identical to llama_token_to_piece.
@Suite("Tokenizer vs llama.cpp")
struct TokenizerLlamaCppTests {
    @Test("corpus token ids identical to llama.cpp (CI models)", .enabled(if: TestModels.smallEnabled, TestModels.smallSkip),
          arguments: TestModels.small)
    func corpusSmall(model: String) async throws { try await corpus(model) }

    @Test("corpus token ids identical to llama.cpp (qwen)", .enabled(if: TestModels.qwenEnabled, TestModels.qwenSkip),
          arguments: TestModels.qwen)
    func corpusQwen(model: String) async throws { try await corpus(model) }

    @Test("edge cases identical in every add_special/parse_special mode (CI models)",
          .enabled(if: TestModels.smallEnabled, TestModels.smallSkip), arguments: TestModels.small)
    func edgeCasesSmall(model: String) throws { try edgeCases(model) }

    @Test("edge cases identical in every add_special/parse_special mode (qwen)",
          .enabled(if: TestModels.qwenEnabled, TestModels.qwenSkip), arguments: TestModels.qwen)
    func edgeCasesQwen(model: String) throws { try edgeCases(model) }

    @Test("special ids, add_bos, end-of-generation set, every piece (CI models)",
          .enabled(if: TestModels.smallEnabled, TestModels.smallSkip), arguments: TestModels.small)
    func vocabularySmall(model: String) throws { try vocabulary(model) }

    @Test("special ids, add_bos, end-of-generation set, every piece (qwen)",
          .enabled(if: TestModels.qwenEnabled, TestModels.qwenSkip), arguments: TestModels.qwen)
    func vocabularyQwen(model: String) throws { try vocabulary(model) }

    /// Encoding the corpus takes seconds in a debug build: on a thread of its own (see `offPool`), checked here.
    func corpus(_ model: String) async throws {
        let tokenizer = try TestModels.tokenizer(model)
        let fixture = try TestModels.fixture(model, "tokens.json.gz")
        let texts = try TestCorpus.texts()
        let items = fixture["items"] as? [[String: Any]] ?? []
        #expect(items.count == 164 + 100 + 50)
        var cases: [(key: String, text: String, expected: [Int32])] = []
        for item in items {
            let key = "\(item["source"] as? String ?? "?")/\(item["id"] as? String ?? "?")"
            let text = try #require(texts[key], "\(key) is not in $CODEEVAL_DATA")
            #expect(fnv1a64(text.utf8) == item["fnv"] as? String, "\(key): dataset text differs from the one the fixture was made from")
            cases.append((key, text, int32s(item["tokens"])))
        }
        let inputs = cases.map(\.text)
        let encoded = try await offPool { inputs.map { tokenizer.encode($0, addSpecial: true, parseSpecial: true) } }
        var mismatches = 0
        for ((key, _, expected), got) in zip(cases, encoded) {
            if got != expected {
                mismatches += 1
                let i = zip(got, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.count, expected.count)
                Issue.record("\(model) \(key): first difference at token \(i): ours \(Array(got[i...].prefix(8))) llama.cpp \(Array(expected[i...].prefix(8)))")
            }
        }
        #expect(mismatches == 0)
    }

    func edgeCases(_ model: String) throws {
        let tokenizer = try TestModels.tokenizer(model)
        let fixture = try TestModels.fixture(model, "tokens.json.gz")
        let cases = fixture["edge_cases"] as? [[String: Any]] ?? []
        #expect(cases.count > 50)
        for c in cases {
            let text = c["text"] as? String ?? ""
            for addSpecial in [true, false] {
                for parseSpecial in [true, false] {
                    let key = "add\(addSpecial ? 1 : 0)_special\(parseSpecial ? 1 : 0)"
                    let got = tokenizer.encode(text, addSpecial: addSpecial, parseSpecial: parseSpecial)
                    #expect(got == int32s(c[key]), "\(model) \(key) \(text.debugDescription)")
                }
            }
            let ids = int32s(c["add1_special1"])
            #expect(try tokenizer.decodeBytes(ids) == hexBytes(c["detok_hex"] as? String ?? ""),
                    "\(model) decode \(text.debugDescription)")
        }
    }

    func vocabulary(_ model: String) throws {
        let tokenizer = try TestModels.tokenizer(model)
        let v = try TestModels.fixture(model, "vocab.json.gz")
        #expect(tokenizer.vocabSize == (v["n_vocab"] as? Int))
        #expect(tokenizer.bos.map(Int.init) == v["bos"] as? Int)
        #expect(tokenizer.eos.map(Int.init) == v["eos"] as? Int)
        #expect(tokenizer.addsBOS == (v["add_bos"] as? Bool))
        #expect(tokenizer.endOfGeneration == Set(int32s(v["eog"])))
        if let eot = v["eot"] as? Int {
            // llama.cpp picks among several end-of-turn texts in hash order; ours must be one of the EOG tokens.
            #expect(tokenizer.eot.map { tokenizer.endOfGeneration.contains($0) } == true, "llama.cpp eot \(eot)")
        }
        let hashes = v["pieces_hash"] as? [String: String] ?? [:]
        for special in [false, true] {
            var all: [UInt8] = []
            for id in 0..<Int32(tokenizer.vocabSize) {
                let p = tokenizer.piece(id, special: special)
                withUnsafeBytes(of: UInt32(p.count).littleEndian) { all.append(contentsOf: $0) }
                all.append(contentsOf: p)
            }
            #expect(fnv1a64(all) == hashes[special ? "special_true" : "special_false"], "\(model) pieces special=\(special)")
        }
        for (id, hex) in v["pieces_sample"] as? [String: [String]] ?? [:] {
            let t = Int32(id) ?? -1
            #expect(Array(tokenizer.piece(t, special: false)) == hexBytes(hex[0]), "\(model) piece \(id)")
            #expect(Array(tokenizer.piece(t, special: true)) == hexBytes(hex[1]), "\(model) special piece \(id)")
        }
    }
}
