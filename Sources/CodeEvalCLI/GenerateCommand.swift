import ArgumentParser
import Engine
import Models
import Foundation
import Reports

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate text with the engine.",
        discussion: """
        Examples:
          codeeval generate --model gemma3-270m --prompt 'def fib(n):' --max-tokens 64
          codeeval generate --model ./my.gguf --prompt-file p.txt --temperature 0.8 --top-p 0.95 --seed 1 --stop '\\ndef ' --json
        """)

    @Option(help: "Registry model name or path to a GGUF file.") var model = ModelRegistry.defaultModel
    @Option(help: "Prompt text.") var prompt: String?
    @Option(help: "Read the prompt from this file.") var promptFile: String?
    @Option(help: "Maximum new tokens.") var maxTokens = 128
    @Option(help: "Temperature (0 = greedy).") var temperature: Float = 0
    @Option(help: "Nucleus sampling mass.") var topP: Float = 1
    @Option(help: "Top-k (0 = off).") var topK = 0
    @Option(help: "Min-p (0 = off).") var minP: Float = 0
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Stop sequence (repeatable).") var stop: [String] = []
    @Option(help: "Threads (default: all cores).") var threads: Int?
    @Option(help: "Context length (default: the model's; capped at it).") var contextLength: Int?
    @Option(help: "Samples of the prompt (seeds seed, seed+1, …), generated as one batch sharing the prompt's KV cache.") var n = 1
    @Option(help: "Sequences decoded together when --n > 1.") var batchSize = 32
    @Flag(help: "Print one JSON object (one per line with --n) instead of streaming text.") var json = false

    func run() async throws {
        let text: String
        switch (prompt, promptFile) {
        case let (p?, nil): text = p
        case let (nil, f?):
            guard let d = FileManager.default.contents(atPath: f) else { throw ValidationError("cannot read prompt file \(f)") }
            text = String(decoding: d, as: UTF8.self)
        default: throw ValidationError("give exactly one of --prompt or --prompt-file")
        }
        do {
            let path = try ModelRegistry.resolve(model)
            let gen = try Generator(path: path, threads: threads, contextLength: contextLength)
            let params = SamplingParams(temperature: temperature, topK: topK, topP: topP, minP: minP, seed: seed)
            guard n >= 1 else { throw ValidationError("--n must be ≥ 1") }
            if n > 1 {
                let promptTokens = gen.tokenizer.encode(text, addSpecial: true)
                let seeds = (0..<n).map { seed &+ UInt64($0) }
                let all = try gen.generateBatch(promptTokens: promptTokens, params: params, seeds: seeds, maxTokens: maxTokens,
                                                stop: stop, batchSize: batchSize)
                for (i, g) in all.enumerated() {
                    print(json ? try GenerationReport.json(g, sample: i, seed: seeds[i])
                               : "--- sample \(i) (seed \(seeds[i]), \(g.finishReason.rawValue)) ---\n\(g.text)")
                }
                FileHandle.standardError.write(Data((GenerationReport.batchStats(all) + "\n").utf8))
                return
            }
            let stream = !json
            let out = FileHandle.standardOutput
            let g = try gen.generate(prompt: text, params: params, maxTokens: maxTokens, stop: stop,
                                     onToken: stream ? { out.write(Data($0.utf8)) } : nil)
            if json {
                print(try GenerationReport.json(g))
            } else {
                print("")
                FileHandle.standardError.write(Data((GenerationReport.stats(g) + "\n").utf8))
            }
        } catch { throw usageError(error) }
    }
}
