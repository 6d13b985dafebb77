import Foundation
import Testing
@testable import Engine

/// n samples per prompt in one batch equal n separate seeded generations, token for token.
@Suite("Batched sampling", .enabled(if: TestModels.smallEnabled, TestModels.smallSkip))
struct BatchGenerationTests {
    @Test func batchEqualsSequentialRuns() throws {
        let gen = try Generator(path: try TestModels.require("smollm2-135m").path, contextLength: 256)
        let prompt = gen.tokenizer.encode("def add(a, b):\n    \"\"\"Return the sum of a and b.\"\"\"\n", addSpecial: true)
        let params = SamplingParams(temperature: 0.8, topP: 0.95, seed: 0)
        let seeds: [UInt64] = [1, 2, 3, 4, 5]
        // Batch size 2 < 5 samples: finished sequences are replaced from the queue.
        let batch = try gen.generateBatch(promptTokens: prompt, params: params, seeds: seeds, maxTokens: 24,
                                          stop: ["\ndef "], batchSize: 2)
        #expect(batch.count == seeds.count)
        for (i, seed) in seeds.enumerated() {
            var p = params
            p.seed = seed
            let solo = try gen.generate(promptTokens: prompt, params: p, maxTokens: 24, stop: ["\ndef "])
            #expect(batch[i].tokens == solo.tokens, "seed \(seed)")
            #expect(batch[i].text == solo.text, "seed \(seed)")
            #expect(batch[i].finishReason == solo.finishReason, "seed \(seed)")
        }
        // Different seeds really sample different continuations.
        #expect(Set(batch.map(\.tokens)).count > 1)
    }
}
