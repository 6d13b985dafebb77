import Foundation
import Testing
import Evaluation
@testable import Reports

@Suite struct RunReportTests {
    static func results(greedy: Bool) -> RunResults {
        let m = RunManifest(benchmark: "humaneval", profile: greedy ? "greedy" : "llama1", model: "m", modelSHA256: "abc",
                            modelPath: nil, parameterCount: 494_000_000, source: "local", endpoint: nil, ks: [1, 2], n: 2,
                            temperature: greedy ? 0 : 0.1, topP: 0.95, topK: 0, maxTokens: 512, stops: ["\ndef"], seed: 7,
                            promptTemplateHash: "tpl", datasetSHA256: "ds", taskIDs: ["A", "B"], codeVersion: "t", greedy: greedy)
        let info = RunInfo(id: "r1", createdAt: "now", status: "complete", manifest: m, wallSeconds: 2)
        let v = [StoredVerdict(taskID: "A", index: 0, status: "passed", passed: true, detail: "passed", durationMs: 1),
                 StoredVerdict(taskID: "A", index: 1, status: "failed", passed: false, detail: "failed: x", durationMs: 1),
                 StoredVerdict(taskID: "B", index: 0, status: "timeout", passed: false, detail: "timed out", durationMs: 1),
                 StoredVerdict(taskID: "B", index: 1, status: "failed", passed: false, detail: "failed: y", durationMs: 1)]
        let s = v.map { StoredSample(taskID: $0.taskID, index: $0.index, completion: "", rawText: "", finishReason: "stop",
                                     tokens: 10, promptTokens: 5, promptMs: 1, decodeMs: 500, seed: 1) }
        return RunResults.compute(info: info, samples: s, verdicts: v)
    }

    @Test func item37_reportListsEveryParameter() {
        let text = RunReport.text(Self.results(greedy: false))
        for needle in ["profile", "llama1", "n ", "temperature", "0.1", "top-p", "0.95", "max tokens", "512", "stops",
                       "\"\\ndef\"", "seed", "dataset sha256", "ds", "prompt template sha256", "tpl", "model sha256"] {
            #expect(text.contains(needle), "missing \(needle)")
        }
        #expect(text.contains("pass@1"))
        #expect(text.contains("25.00"), "pass@1 = mean(1/2, 0) = 25%")
        #expect(text.contains("pass@2"))
        #expect(text.contains("timeout 1"))
        #expect(text.contains("4 verdicts, 1.0 ms mean"), "execution throughput")
    }

    @Test func item38_greedyIsLabelledGreedy() {
        #expect(RunReport.text(Self.results(greedy: true)).contains("greedy pass@1"))
        #expect(!RunReport.text(Self.results(greedy: false)).contains("greedy"))
    }

    @Test func jsonSummaryParses() throws {
        let j = RunReport.jsonSummary(Self.results(greedy: false))
        let o = try #require(try JSONSerialization.jsonObject(with: Data(j.utf8)) as? [String: Any])
        #expect((o["pass_at_k"] as? [String: Double])?["pass@1"] == 0.25)
        #expect(o["prompt_template_sha256"] as? String == "tpl")
    }

    @Test func progressAndSessionLines() {
        var p = RunProgress(tasksTotal: 5, tasksDone: 2, samplesTotal: 10, samplesGenerated: 6, samplesGeneratedNow: 4,
                            verdicts: 5, passed: 2, tokensNow: 80, elapsed: 10)
        // 4 new samples in 10 s → 0.40 samples/s; 4 samples left → ETA 10 s; 2 of 5 verdicts passed → 40 %
        #expect(RunReport.progressLine(p) == "tasks 2/5  samples 6/10  0.40 samples/s  8.0 tok/s  pass 40.0%  ETA 10s")
        p.samplesGeneratedNow = 0
        p.tokensNow = 0
        #expect(RunReport.progressLine(p).hasSuffix("ETA -"), "no rate yet: no ETA")
        p.samplesGenerated = 10
        #expect(RunReport.progressLine(p).hasSuffix("ETA 0s"))
        #expect(RunReport.sessionLine(p) == "session: generated 0 samples (0 tokens), 5 verdicts in total, 10.0s")
    }
}
