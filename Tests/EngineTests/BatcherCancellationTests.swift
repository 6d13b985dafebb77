import Foundation
import Testing
@testable import Engine

/// A caller that goes away (a server's client disconnecting) takes its job out of the continuous batcher: the
/// sequence stops at the next step, its slot goes to the next waiting job, and nothing else changes. Runs on the tiny
/// random model with a hand-made vocabulary, so it needs no model file.
@Suite struct BatcherCancellationTests {
    /// 40 tokens, the tiny model's vocabulary: <unk> <s> </s>, "▁", the letters and the digits, one character each,
    /// so every generated token is one streamed piece.
    static func generator() throws -> Generator {
        let pieces = ["▁"] + (UInt8(ascii: "a")...UInt8(ascii: "z")).map { String(UnicodeScalar($0)) } + (0...9).map(String.init)
        let tokens = ["<unk>", "<s>", "</s>"].map { Array($0.utf8) } + pieces.map { Array($0.utf8) }
        let types: [Int32] = [2, 3, 3] + Array(repeating: 1, count: pieces.count)
        #expect(tokens.count == TinyModel.vocab)
        let tokenizer = try Tokenizer(source: TokenizerSource(model: "llama", tokens: tokens,
                                                              scores: Array(repeating: 0, count: tokens.count), tokenTypes: types))
        return Generator(model: try TinyModel.model(arch: "llama"), tokenizer: tokenizer)
    }

    static func job(_ gen: Generator, _ text: String, maxTokens: Int, onText: (@Sendable (String) -> Void)? = nil) -> GenerationJob {
        GenerationJob(promptTokens: gen.tokenizer.encode(text, addSpecial: true), params: .greedy, maxTokens: maxTokens,
                      onText: onText)
    }

    @Test func cancelledJobLeavesTheBatchAndFreesItsSlot() async throws {
        let gen = try Self.generator()
        // One slot: the second job can only run once the first has left the batch.
        let batcher = ContinuousBatcher(generator: gen, batchSize: 1)
        let maxTokens = 40
        let uncancelled = try await batcher.generate(Self.job(gen, "abc", maxTokens: maxTokens))
        #expect(uncancelled.tokens.count >= 20, "the job must run long when left alone (got \(uncancelled.tokens.count) tokens)")

        // The first piece blocks the decode thread until the caller's task has been cancelled, so the job is
        // cancelled after exactly one token.
        let firstPiece = DispatchSemaphore(value: 0), cancelled = DispatchSemaphore(value: 0)
        let pieces = Pieces()
        let long = Self.job(gen, "abc", maxTokens: maxTokens) { piece in
            pieces.add(piece)
            if pieces.count == 1 {
                firstPiece.signal()
                cancelled.wait()
            }
        }
        let task = Task { try await batcher.generate(long) }
        try await offPool { firstPiece.wait() }
        // The one slot is taken: this job waits until the first leaves the batch.
        let queued = Task { try await batcher.generate(Self.job(gen, "xyz", maxTokens: 8)) }
        while batcher.inFlight < 2 { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        cancelled.signal()

        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(pieces.count == 1, "the cancelled sequence went on for \(pieces.count) tokens")
        // The slot went to the waiting job, whose result is what it gets alone.
        let next = try await queued.value
        let alone = try await ContinuousBatcher(generator: gen, batchSize: 1).generate(Self.job(gen, "xyz", maxTokens: 8))
        #expect(next.tokens == alone.tokens && next.text == alone.text)
        #expect(batcher.inFlight == 0)
    }

    @Test func cancelledWhileQueuedNeverRuns() async throws {
        let gen = try Self.generator()
        let batcher = ContinuousBatcher(generator: gen, batchSize: 1)
        let running = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let gate = Pieces()
        let first = Task {
            try await batcher.generate(Self.job(gen, "abc", maxTokens: 6) { piece in
                gate.add(piece)
                if gate.count == 1 {
                    running.signal()
                    release.wait()
                }
            })
        }
        try await offPool { running.wait() }
        // The slot is taken: this job waits in the queue, and leaves it when cancelled.
        let waitingPieces = Pieces()
        let waiting = Task { try await batcher.generate(Self.job(gen, "xyz", maxTokens: 6) { waitingPieces.add($0) }) }
        while batcher.inFlight < 2 { try await Task.sleep(for: .milliseconds(5)) }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiting.value }
        #expect(batcher.inFlight == 1)
        release.signal()
        _ = try await first.value
        #expect(waitingPieces.count == 0 && batcher.inFlight == 0)

        // A task cancelled before it asks never reaches the batcher.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await batcher.generate(Self.job(gen, "abc", maxTokens: 6))
        }
        await #expect(throws: CancellationError.self) { _ = try await early.value }
        #expect(batcher.inFlight == 0)
    }
}
