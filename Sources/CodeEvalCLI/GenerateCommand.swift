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
        guard (prompt == nil) != (promptFile == nil) else { throw ValidationError("give exactly one of --prompt or --prompt-file") }
        guard n >= 1 else { throw ValidationError("--n must be ≥ 1") }
        let text = try prompt ?? readInput(promptFile)
        let gen = try Generator(path: try ModelRegistry.resolve(model), threads: threads, contextLength: contextLength)
        let params = SamplingParams(temperature: temperature, topK: topK, topP: topP, minP: minP, seed: seed)
        if n > 1 {
            let seeds = (0..<n).map { seed &+ UInt64($0) }
            let all = try gen.generateBatch(promptTokens: gen.tokenizer.encode(text, addSpecial: true), params: params,
                                            seeds: seeds, maxTokens: maxTokens, stop: stop, batchSize: batchSize)
            for (i, g) in all.enumerated() {
                print(json ? try GenerationReport.json(g, sample: i, seed: seeds[i])
                           : "--- sample \(i) (seed \(seeds[i]), \(g.finishReason.rawValue)) ---\n\(g.text)")
            }
            return printError(GenerationReport.batchStats(all))
        }
        let out = FileHandle.standardOutput
        let g = try gen.generate(prompt: text, params: params, maxTokens: maxTokens, stop: stop,
                                 onToken: json ? nil : { out.write(Data($0.utf8)) })
        if json { return print(try GenerationReport.json(g)) }
        print("")
        printError(GenerationReport.stats(g))
    }
}
