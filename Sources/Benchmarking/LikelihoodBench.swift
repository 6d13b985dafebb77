import Datasets
import Engine
import Foundation
import Models
import Support

/// Likelihood scoring speed: options scored per second by the batched `LikelihoodScorer` (context once, options
/// together) against a plain loop that scores each (context, option) pair alone with the same engine, and against
/// the same plain loop in llama.cpp (llama-cpp-python, `scripts/bench/llamacpp_likelihood.py`), on the same token
/// ids in the same run.
///
/// Items are cut from the token stream of the HumanEval prompts (distinct contexts, so no prefix is shared between
/// items, as in a zero-shot benchmark) in two multiple-choice shapes: ARC-like (a 32-token context, four options
/// of 3–6 tokens) and HellaSwag-like (a 48-token context, four options of 20–32 tokens).
public struct LikelihoodBench: Sendable {
    public struct Shape: Sendable {
        public let name: String
        public let context: Int
        public let options: [Int]
        public static let arc = Shape(name: "ARC-like", context: 32, options: [3, 4, 5, 6])
        public static let hellaswag = Shape(name: "HellaSwag-like", context: 48, options: [20, 24, 28, 32])
    }

    public struct Item: Sendable {
        let context: [Int32]
        let options: [[Int32]]
    }

    public var model: String
    public var threads = 2
    public var items = 20
    public var llamaCppBaseline = false
    public var llamaPython = "python3"
    public var datasets: DatasetStore

    public init(model: String, datasets: DatasetStore) {
        self.model = model
        self.datasets = datasets
    }

    /// `count` items of `shape` from consecutive stretches of `stream` (BOS first when the model adds it).
    static func items(_ shape: Shape, count: Int, stream: [Int32], bos: Int32?) -> [Item] {
        let per = shape.context + shape.options.reduce(0, +)
        var out: [Item] = []
        var at = 0
        while out.count < count && at + per <= stream.count {
            let context = (bos.map { [$0] } ?? []) + stream[at..<(at + shape.context)]
            var next = at + shape.context
            var options: [[Int32]] = []
            for n in shape.options { options.append(Array(stream[next..<(next + n)])); next += n }
            out.append(Item(context: context, options: options))
            at = next
        }
        return out
    }

    public func run(report: (String) -> Void) throws {
        let path: String
        let gen: Generator
        do {
            path = try ModelRegistry.resolve(model)
            gen = try Generator(path: path, threads: threads)
        } catch let e as GGUFError { throw BenchError(e.description) } catch let e as ModelError { throw BenchError(e.description) }
        let text = try datasets.humanEval().map(\.prompt).joined()
        let stream = gen.tokenizer.encode(text, addSpecial: false)
        let bos = gen.tokenizer.addsBOS ? gen.tokenizer.bos : nil
        report("cpu \(DecodeBound.cpu())")
        report("model \(model), \(threads) threads, kernels: \(KernelLevel.name), \(items) items per shape, 4 options each")
        for shape in [Shape.arc, Shape.hellaswag] {
            let set = Self.items(shape, count: items, stream: stream, bos: bos)
            guard set.count == items else { throw BenchError("HumanEval prompts hold only \(set.count) \(shape.name) items") }
            let options = Double(set.count * 4)
            // Zero-shot items share no prefix: the prefix cache is on, as in a benchmark run, and finds nothing to reuse.
            let batched = LikelihoodScorer(model: gen.model, prefixCacheEntries: 8)
            let alone = LikelihoodScorer(model: gen.model, prefixCacheEntries: 0)
            _ = try batched.score(context: set[0].context, continuations: set[0].options)  // warm-up
            var t0 = now()
            let ours = try set.map { try batched.score(context: $0.context, continuations: $0.options) }
            let batchedSeconds = now() - t0
            t0 = now()
            let plain = try set.map { item in try item.options.map { try alone.score(context: item.context, continuations: [$0])[0] } }
            let plainSeconds = now() - t0
            let identical = ours == plain
            report(String(format: "%@: batched %.1f options/s, plain loop %.1f options/s → %.2f× (scores identical: %@)",
                          shape.name, options / batchedSeconds, options / plainSeconds, plainSeconds / batchedSeconds,
                          identical ? "yes" : "NO"))
            guard identical else { throw BenchError("batched scores differ from scoring each pair alone") }
            guard llamaCppBaseline else { continue }
            let theirs = try llamaCppSeconds(set, path: path)
            report(String(format: "%@: llama.cpp plain loop %.1f options/s → batched is %.2f× llama.cpp (llama-cpp-python %@)",
                          shape.name, options / theirs.seconds, theirs.seconds / batchedSeconds, theirs.version))
        }
    }

    /// The plain llama.cpp loop over the same pairs: seconds and llama-cpp-python's version.
    func llamaCppSeconds(_ set: [Item], path: String) throws -> (seconds: Double, version: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-bench-likelihood-\(getpid()).json")
        let json = set.map { ["context": $0.context.map(Int.init), "options": $0.options.map { $0.map(Int.init) }] as [String: Any] }
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = BenchScripts.path("bench/llamacpp_likelihood.py")
        let o = try Subprocess.capture([llamaPython, script, "--model", path, "--items", file.path, "--threads", String(threads)])
        guard o.status == 0, let obj = try? JSONSerialization.jsonObject(with: o.stdout) as? [String: Any],
              let seconds = obj["seconds"] as? Double else {
            throw BenchError("llama.cpp baseline failed (\(llamaPython) \(script)): \(String(decoding: o.stderr, as: UTF8.self).suffix(800))")
        }
        return (seconds, (obj["llama_cpp_python"] as? String) ?? "?")
    }
}
