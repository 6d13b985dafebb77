import Foundation
import Support
import Testing
@testable import Engine

/// n samples per prompt in one batch equal n separate seeded generations, token for token.
/// Model work runs on its own thread: seconds of compute on Swift's cooperative pool (two threads on a two-core
/// machine) starve every other suite's async code (store deadlines, the HTTP service tests' request handlers).
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await OwnThread.run(name: "codeeval-engine-test", body)
}


@Suite("Batched sampling", .serialized, .enabled(if: TestModels.smallEnabled, TestModels.smallSkip))
struct BatchGenerationTests {
    @Test func batchEqualsSequentialRuns() async throws {
        let gen = try Generator(path: try TestModels.require("smollm2-135m").path, contextLength: 256)
        let prompt = gen.tokenizer.encode("def add(a, b):\n    \"\"\"Return the sum of a and b.\"\"\"\n", addSpecial: true)
        let params = SamplingParams(temperature: 0.8, topP: 0.95, seed: 0)
        let seeds: [UInt64] = [1, 2, 3, 4, 5]
        // Batch size 2 < 5 samples: finished sequences are replaced from the queue.
        let (batch, solos) = try await offPool { () -> ([Generation], [Generation]) in
            let batch = try gen.generateBatch(promptTokens: prompt, params: params, seeds: seeds, maxTokens: 24,
                                              stop: ["\ndef "], batchSize: 2)
            let solos = try seeds.map { seed -> Generation in
                var p = params
                p.seed = seed
                return try gen.generate(promptTokens: prompt, params: p, maxTokens: 24, stop: ["\ndef "])
            }
            return (batch, solos)
        }
        #expect(batch.count == seeds.count)
        for (i, seed) in seeds.enumerated() {
            let solo = solos[i]
            #expect(batch[i].tokens == solo.tokens, "seed \(seed)")
            #expect(batch[i].text == solo.text, "seed \(seed)")
            #expect(batch[i].finishReason == solo.finishReason, "seed \(seed)")
        }
        // Different seeds really sample different continuations.
        #expect(Set(batch.map(\.tokens)).count > 1)
    }

    /// Different prompts (two sharing a long prefix, one repeated), sampling parameters and
    /// limits in one batch smaller than the job list: each result equals the job run alone.
    static func mixedJobs(_ gen: Generator) -> [GenerationJob] {
        let shots = "# Write short Python functions.\n\ndef square(x):\n    return x * x\n\ndef cube(x):\n    return x * x * x\n\n"
        let prompts = [shots + "def add(a, b):\n", shots + "def is_even(n):\n", "def fib(n):\n", shots + "def add(a, b):\n"]
        return prompts.enumerated().map { i, p in
            GenerationJob(promptTokens: gen.tokenizer.encode(p, addSpecial: true),
                          params: i == 2 ? .greedy : SamplingParams(temperature: 0.7, topP: 0.9, seed: UInt64(10 + i)),
                          maxTokens: [20, 12, 16, 20][i], stop: ["\ndef "])
        }
    }

    static func soloRuns(_ gen: Generator, _ jobs: [GenerationJob]) async throws -> [Generation] {
        try await offPool {
            try jobs.map { try gen.generate(promptTokens: $0.promptTokens, params: $0.params, maxTokens: $0.maxTokens, stop: $0.stop) }
        }
    }

    @Test func mixedJobsEqualSoloRuns() async throws {
        let gen = try Generator(path: try TestModels.require("smollm2-135m").path, contextLength: 256)
        let jobs = Self.mixedJobs(gen)
        let batch = try await offPool { try gen.generateBatch(jobs, batchSize: 3) }
        let solos = try await Self.soloRuns(gen, jobs)
        for (i, solo) in solos.enumerated() {
            #expect(batch[i].tokens == solo.tokens && batch[i].text == solo.text && batch[i].finishReason == solo.finishReason,
                    "job \(i)")
        }
    }

    /// Jobs arriving concurrently at the continuous batcher (as a run's tasks do) get the same
    /// results as solo runs, whatever the batch size.
    @Test(arguments: [1, 2, 8])
    func continuousBatcherEqualsSoloRuns(batchSize: Int) async throws {
        let gen = try Generator(path: try TestModels.require("smollm2-135m").path, contextLength: 256)
        let jobs = Self.mixedJobs(gen)
        let batcher = ContinuousBatcher(generator: gen, batchSize: batchSize)
        let results = try await withThrowingTaskGroup(of: (Int, Generation).self) { group in
            for (i, j) in jobs.enumerated() { group.addTask { (i, try await batcher.generate(j)) } }
            var out: [Int: Generation] = [:]
            for try await (i, g) in group { out[i] = g }
            return out
        }
        for (i, solo) in try await Self.soloRuns(gen, jobs).enumerated() {
            #expect(results[i]?.tokens == solo.tokens && results[i]?.text == solo.text, "job \(i), batch size \(batchSize)")
        }
        // A bad job fails alone, with the engine's error.
        await #expect(throws: EngineError.self) {
            _ = try await batcher.generate(GenerationJob(promptTokens: [], params: .greedy, maxTokens: 4))
        }
    }

    /// What a job streams adds up to its final text, in batch, with stop sequences held back and cut (what the
    /// server's `stream: true` sends).
    @Test func streamedPiecesAddUpToTheText() async throws {
        let gen = try Generator(path: try TestModels.require("smollm2-135m").path, contextLength: 256)
        let batcher = ContinuousBatcher(generator: gen, batchSize: 4)
        let streamed = try await withThrowingTaskGroup(of: (Generation, String).self) { group in
            for var job in Self.mixedJobs(gen) + [GenerationJob(promptTokens: gen.tokenizer.encode("def f():\n", addSpecial: true),
                                                                params: .greedy, maxTokens: 24, stop: ["return", "\n\n"])] {
                let pieces = Pieces()
                job.onText = { pieces.add($0) }
                group.addTask { (try await batcher.generate(job), pieces.text) }
            }
            var all: [(Generation, String)] = []
            for try await r in group { all.append(r) }
            return all
        }
        #expect(streamed.count == 5)
        for (g, text) in streamed { #expect(text == g.text) }
    }
}

/// Text pieces collected from the decode thread.
final class Pieces: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [String] = []
    func add(_ s: String) { lock.withLock { parts.append(s) } }
    var text: String { lock.withLock { parts.joined() } }
    var count: Int { lock.withLock { parts.count } }
}
