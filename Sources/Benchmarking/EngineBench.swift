import CKernels
import Datasets
import Engine
import Foundation
import Models
import Support

/// Engine speed: prompt and decode tokens/s, batched decode, 200 samples of one prompt, the quantized kernels per
/// level, and llama.cpp (llama-cpp-python) on the same file, prompt ids and thread count in the same run.
///
/// Prompt: the first 300 tokens of the first 12 HumanEval prompts concatenated. Decode: 128 greedy steps after it,
/// single stream (the first step not timed). Medians of `repeats`. Batched decode: n sequences sharing that prompt,
/// `steps` steps of one forwardBatch each. llama.cpp's time for 200 sequential samples is computed from its
/// measured prompt and decode rates.
public struct EngineBench: Sendable {
    public var model: String
    public var threads = 2
    public var repeats = 3
    public var steps = 32
    public var samples = 200
    public var llamaCppBaseline = false
    public var llamaPython = "python3"
    public var kernels = false
    public var datasets: DatasetStore

    public init(model: String, datasets: DatasetStore) {
        self.model = model
        self.datasets = datasets
    }

    public func run(report: (String) -> Void) async throws {
        let path: String
        let gen: Generator
        do {
            path = try ModelRegistry.resolve(model)
            gen = try Generator(path: path, threads: threads, contextLength: 2048)
        } catch let e as GGUFError { throw BenchError(e.description) } catch let e as EngineError { throw BenchError(e.description) } catch let e as ModelError { throw BenchError(e.description) }
        let m = gen.model
        let problems = try datasets.humanEval()
        let text = problems.prefix(12).map(\.prompt).joined()
        let prompt = Array(gen.tokenizer.encode(text, addSpecial: true).prefix(300))
        report("cpu \(DecodeBound.cpu())")
        report("model \(model) (\(m.config.architecture), \(m.config.blockCount) layers), \(threads) threads, kernels: \(KernelLevel.name), weights: \(m.weightPlacement) (CODEEVAL_WEIGHTS)")

        var ptps: [Double] = [], dtps: [Double] = []
        for r in 0...repeats {
            let cache = m.makeCache(capacity: 2048)
            let t0 = now()
            var logits = try m.forward(prompt, cache: cache)
            let t1 = now()
            var decodeTime = 0.0
            for step in 0..<128 {
                let next = argmax(logits)
                let s = now()
                logits = try m.forward([next], cache: cache)
                if step > 0 { decodeTime += now() - s }
            }
            if r > 0 {  // the first repetition warms caches and threads
                ptps.append(Double(prompt.count) / (t1 - t0))
                dtps.append(127 / decodeTime)
            }
        }
        let ourPrompt = median(ptps), ourDecode = median(dtps)
        report(String(format: "codeeval  prompt (%d tok): %.1f tok/s   decode: %.1f tok/s   (medians of %d)", prompt.count, ourPrompt, ourDecode, repeats))
        // Decode reads every weight once per token: bandwidth ÷ bytes per token is the most it could reach.
        let perToken = DecodeBound.bytesPerToken(m.file)
        let hugePages = m.weightPlacement == "hugepages"
        let bandwidth = DecodeBound.readBandwidth(threads: threads, hugePages: hugePages)
        let bound = bandwidth / Double(perToken)
        report(String(format: "bound     read bandwidth %.1f GB/s with %d threads on %@ pages (as the weights), %.0f MB of weights per token → at most %.1f tok/s; decode is %.0f%% of it",
                      bandwidth / 1e9, threads, hugePages ? "2 MiB" : "4 KiB", Double(perToken) / 1e6, bound, 100 * ourDecode / bound))

        var aggregate: [Int: Double] = [:]
        for n in Self.batchSizes {
            let shared = m.makeCache(capacity: 2048)
            let first = try m.forward(prompt, cache: shared)
            let caches = (0..<n).map { _ in m.makeCache(capacity: prompt.count + steps + 1) }
            for c in caches { c.copyPrefix(from: shared, positions: prompt.count) }
            var next = [Int32](repeating: argmax(first), count: n)
            let t0 = now()
            for _ in 0..<steps {
                let logits = try m.forwardBatch(next, caches: caches)
                let V = m.vocabSize
                next = (0..<n).map { argmax(logits[($0 * V)..<(($0 + 1) * V)]) }
            }
            aggregate[n] = Double(n * steps) / (now() - t0)
            report(String(format: "codeeval  batched decode n=%d: %.1f tok/s aggregate (%.2f× single stream)", n, aggregate[n]!, aggregate[n]! / ourDecode))
        }

        var samplesSeconds: Double?
        let hePrompt = gen.tokenizer.encode(problems[0].prompt, addSpecial: true)
        if samples > 0 {
            let t0 = now()
            let out = try gen.generateBatch(promptTokens: hePrompt, params: SamplingParams(temperature: 0.8, topP: 0.95, seed: 0),
                                            seeds: (0..<UInt64(samples)).map { $0 }, maxTokens: 128, batchSize: 32)
            samplesSeconds = now() - t0
            let toks = out.reduce(0) { $0 + $1.tokens.count }
            report(String(format: "codeeval  %d samples × ≤128 tokens of HumanEval/0 (%d prompt tokens): %.1f s, %d tokens (%.1f tok/s)",
                         samples, hePrompt.count, samplesSeconds!, toks, Double(toks) / samplesSeconds!))
        }

        if kernels {
            kernelBench(m, report: report)
            streamBench(m, report: report)
        }

        guard llamaCppBaseline else { return }
        let tokFile = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-bench-prompt-\(getpid()).json")
        try JSONSerialization.data(withJSONObject: prompt.map(Int.init)).write(to: tokFile)
        defer { try? FileManager.default.removeItem(at: tokFile) }
        let scriptPath = BenchScripts.path("bench/llamacpp_engine.py")
        let o = try Subprocess.capture([llamaPython, scriptPath, "--model", path, "--tokens", tokFile.path,
                                        "--threads", String(threads), "--repeats", String(repeats), "--steps", String(steps),
                                        "--batched", Self.batchSizes.map(String.init).joined(separator: ",")])
        guard o.status == 0, let obj = try? JSONSerialization.jsonObject(with: o.stdout) as? [String: Any],
              let lp = obj["prompt_tps"] as? [Double], let ld = obj["decode_tps"] as? [Double] else {
            throw BenchError("llama.cpp baseline failed (\(llamaPython) \(scriptPath)): \(String(decoding: o.stderr, as: UTF8.self).suffix(800))")
        }
        let theirPrompt = median(lp), theirDecode = median(ld)
        report(String(format: "llama.cpp prompt (%d tok): %.1f tok/s   decode: %.1f tok/s   (llama-cpp-python %@, medians of %d)",
                     prompt.count, theirPrompt, theirDecode, (obj["llama_cpp_python"] as? String) ?? "?", repeats))
        let theirBatched = try Self.medians(obj["batched"], sizes: Self.batchSizes)
        for n in Self.batchSizes {
            report(String(format: "llama.cpp batched decode n=%d: %.1f tok/s aggregate (one llama_decode per step, flash attention, a KV stream per sequence)",
                          n, theirBatched[n]!))
        }
        report(String(format: "ratio ours/llama.cpp: prompt %.2f×, decode %.2f× (%.0f%% of the bandwidth bound vs its %.0f%%)",
                     ourPrompt / theirPrompt, ourDecode / theirDecode, 100 * ourDecode / bound, 100 * theirDecode / bound))
        report("ratio ours/llama.cpp batched: " + Self.batchSizes.map { String(format: "n=%d %.2f×", $0, aggregate[$0]! / theirBatched[$0]!) }
            .joined(separator: ", "))
        if let s = samplesSeconds {
            let theirs = Double(samples) * (Double(hePrompt.count) / theirPrompt + 128 / theirDecode)
            report(String(format: "200-sample run: ours %.1f s measured; llama.cpp sequential %.1f s (= %d × (prompt + 128 decode steps) at its measured rates) → %.2f× faster",
                         s, theirs, samples, theirs / s))
        }
    }

    static let batchSizes = [8, 32, 64]

    /// The median aggregate rate per batch size from the script's `batched` object.
    static func medians(_ batched: Any?, sizes: [Int]) throws -> [Int: Double] {
        guard let b = batched as? [String: [Double]] else { throw BenchError("llama.cpp baseline printed no batched rates") }
        var out: [Int: Double] = [:]
        for n in sizes {
            guard let r = b[String(n)], !r.isEmpty else { throw BenchError("llama.cpp baseline printed no rate for n=\(n)") }
            out[n] = median(r)
        }
        return out
    }

    /// The model's largest matrix type, one activation row, dot products over all rows.
    func kernelBench(_ m: Model, report: (String) -> Void) {
        let file = m.file
        guard let t = file.tensors.filter({ $0.name.hasPrefix("blk.") && $0.dims.count == 2 }).max(by: { $0.dims[1] < $1.dims[1] }) else { return }
        let type = Int32(t.type.rawValue), cols = t.dims[0], rows = t.dims[1]
        let rowBytes = t.type.byteCount(elements: cols) ?? 0
        let w = file.base + t.fileOffset
        var x = [Float](repeating: 0, count: cols)
        var rng = SystemRandomNumberGenerator()
        for i in 0..<cols { x[i] = Float.random(in: -1...1, using: &rng) }
        let act = UnsafeMutableRawPointer.allocate(byteCount: ck_activation_row_bytes(type, Int64(cols)), alignment: 64)
        defer { act.deallocate() }
        var y = [Float](repeating: 0, count: rows)
        func time(_ body: () -> Void) -> Double {
            var best = Double.infinity
            for _ in 0..<7 { let t0 = now(); body(); best = min(best, now() - t0) }
            return best
        }
        let swiftPath = time {
            x.withUnsafeBufferPointer { xp in for r in 0..<rows { y[r] = QuantDot.row(t.type, w + r * rowBytes, xp.baseAddress!, count: cols) } }
        }
        func cPath(level: Int32) -> Double {
            time {
                _ = ck_quantize_activation(type, x, act, Int64(cols))
                y.withUnsafeMutableBufferPointer { yp in
                    _ = ck_matmul_rows_at(level, type, w, rowBytes, Int64(cols), 0, Int64(rows), act, 0, 1, yp.baseAddress!, Int64(rows))
                }
            }
        }
        let names = ["portable C", "AVX2", "AVX-512 VNNI"]
        let levels = (0...ck_kernel_level()).map { (names[Int($0)], cPath(level: $0)) }
        let best = levels.last!
        report(String(format: "kernels (%@ %d×%d, one row of activations, one thread, best of 7): Swift float path %.3f ms, ", t.name, rows, cols, swiftPath * 1000)
              + levels.map { String(format: "%@ %.3f ms", $0.0, $0.1 * 1000) }.joined(separator: ", ")
              + String(format: " → %@ is %.1f× the Swift path", best.0, swiftPath / best.1)
              + levels.dropLast().map { String(format: ", %.1f× %@", $0.1 / best.1, $0.0) }.joined())
    }

    /// Decode's kernels as a stream: each of the model's matmul weight types in one 512 MiB matrix (the model's
    /// rows repeated, so no cache holds it) on the weights' page size, one token, the threads' even shares of the
    /// rows, against the read loop on the same kind of pages in the same run.
    func streamBench(_ m: Model, report: (String) -> Void) {
        let hugePages = m.weightPlacement == "hugepages"
        let bandwidth = DecodeBound.readBandwidth(threads: threads, hugePages: hugePages)
        var seen = Set<QuantType>()
        for t in m.file.tensors where t.name.hasPrefix("blk.") && t.dims.count == 2 && t.dims[1] >= 16 && seen.insert(t.type).inserted {
            let type = Int32(t.type.rawValue), cols = t.dims[0]
            guard ck_vec_dot_type(type) >= 0, let rowBytes = t.type.byteCount(elements: cols) else { continue }
            let srcRows = t.dims[1], bytes = 512 << 20, rows = bytes / rowBytes / 16 * 16
            guard let (w, unmap) = DecodeBound.mapBuffer(bytes: bytes, hugePages: hugePages) else { continue }
            defer { unmap() }
            let src = m.file.base + t.fileOffset
            for r in 0..<rows { (w + r * rowBytes).copyMemory(from: src + (r % srcRows) * rowBytes, byteCount: rowBytes) }
            let x = (0..<cols).map { _ in Float.random(in: -1...1) }
            let actBytes = ck_activation_row_bytes(type, Int64(cols))
            let act = UnsafeMutableRawPointer.allocate(byteCount: actBytes, alignment: 64)
            defer { act.deallocate() }
            _ = ck_quantize_activation(type, x, act, Int64(cols))
            let y = UnsafeMutablePointer<Float>.allocate(capacity: rows)
            defer { y.deallocate() }
            nonisolated(unsafe) let wp = UnsafeRawPointer(w), ap = UnsafeRawPointer(act), yp = y
            let n = threads
            var best = 0.0
            for _ in 0..<5 {
                let t0 = now()
                DispatchQueue.concurrentPerform(iterations: n) { i in
                    let lo = rows / 16 * i / n * 16, hi = rows / 16 * (i + 1) / n * 16
                    _ = ck_matmul_rows(type, wp, rowBytes, Int64(cols), Int64(lo), Int64(hi), ap, actBytes, 1, yp, Int64(rows))
                }
                best = max(best, Double(rows * rowBytes) / (now() - t0))
            }
            report(String(format: "stream    %@ matmul, one token, %d threads: %.1f GB/s = %.0f%% of the read loop's %.1f GB/s (%@ pages)",
                          t.type.description, n, best / 1e9, 100 * best / bandwidth, bandwidth / 1e9, hugePages ? "2 MiB" : "4 KiB"))
        }
    }

    func argmax(_ row: ArraySlice<Float>) -> Int32 { row.withUnsafeBufferPointer { Sampler.argmax($0) } }
    func argmax(_ row: [Float]) -> Int32 { argmax(row[...]) }

}
