import Foundation
import Testing
@testable import Engine

/// A caller that goes away (a server's client disconnecting) takes its job out of the continuous batcher: the
/// sequence stops at the next step, its slot goes to the next waiting job, and nothing else changes. Runs on the tiny
/// random model with a hand-made vocabulary, so it needs no model file.
@Suite struct BatcherCancellationTests {
    /// The tiny model's 40 ids: <unk> <s> </s>, "▁", the letters and the digits, one character each, so every
    /// generated token is one streamed piece.
    static func generator() throws -> Generator {
        let pieces = ["▁"] + (UInt8(ascii: "a")...UInt8(ascii: "z")).map { String(UnicodeScalar($0)) } + (0...9).map(String.init)
        // SPM needs a byte-fallback token for every byte; they come after the model's 40 ids, which it never emits.
        let bytes = (0...255).map { Array(String(format: "<0x%02X>", $0).utf8) }
        let tokens = ["<unk>", "<s>", "</s>"].map { Array($0.utf8) } + pieces.map { Array($0.utf8) } + bytes
        let types: [Int32] = [2, 3, 3] + Array(repeating: 1, count: pieces.count) + Array(repeating: 6, count: 256)
        #expect(tokens.count == TinyModel.vocab + 256)
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
        // A prompt the random model does not end early when left alone.
        var prompt: String?
        for candidate in ["abc", "hello", "q", "zz9", "the", "x1y2", "m", "kite", "07", "w"] {
            if try await batcher.generate(Self.job(gen, candidate, maxTokens: maxTokens)).tokens.count >= 20 { prompt = candidate; break }
        }
        let text = try #require(prompt, "no candidate prompt runs 20 tokens on the tiny model")

        // The first piece blocks the decode thread until the caller's task has been cancelled, so the job is
        // cancelled after exactly one token.
        let firstPiece = DispatchSemaphore(value: 0), cancelled = DispatchSemaphore(value: 0)
        let pieces = Pieces()
        let long = Self.job(gen, text, maxTokens: maxTokens) { piece in
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
