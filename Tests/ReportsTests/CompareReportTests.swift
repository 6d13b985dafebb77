import Foundation
import Testing
import Evaluation
@testable import Reports

/// A completed run of `model` on `benchmark`, one sample per task; task i passes when `passes[i]`.
func fakeRun(_ model: String, _ benchmark: String, params: Int?, passes: [Bool], greedy: Bool = false) -> RunResults {
    let ids = passes.indices.map { "\(benchmark)/\($0)" }
    let m = RunManifest(benchmark: benchmark, profile: "llama1", model: model, modelSHA256: nil, modelPath: nil,
                        parameterCount: params, source: "local", endpoint: nil, ks: [1], n: 1, temperature: 0.1, topP: 0.95,
                        topK: 0, maxTokens: 16, stops: [], seed: 1, promptTemplateHash: "t", datasetSHA256: "d",
                        taskIDs: ids, codeVersion: "t", greedy: greedy)
    let v = zip(ids, passes).map { StoredVerdict(taskID: $0, index: 0, status: $1 ? "passed" : "failed", passed: $1,
                                                 detail: "", durationMs: 1) }
    let s = ids.map { StoredSample(taskID: $0, index: 0, completion: "", rawText: "", finishReason: "stop", tokens: 4,
                                   promptTokens: 9, promptMs: 1, decodeMs: 100, seed: 1) }
    return RunResults.compute(info: RunInfo(id: "run-\(model)-\(benchmark)", createdAt: "now", status: "complete",
                                            manifest: m, wallSeconds: 1), samples: s, verdicts: v)
}

@Suite struct CompareReportTests {
    static let columns = [CompareColumn(benchmark: "humaneval", k: 1), CompareColumn(benchmark: "mbpp", k: 1)]
    static func table() -> CompareTable {
        CompareTable.build(models: ["small", "big"], columns: columns, results: [
            fakeRun("small", "humaneval", params: 134_515_008, passes: [true, false, false, false]),
            fakeRun("small", "mbpp", params: 134_515_008, passes: [false, false]),
            fakeRun("big", "humaneval", params: 1_543_714_304, passes: [true, true, false, false]),
            fakeRun("big", "mbpp", params: 1_543_714_304, passes: [true, false]),
        ])
    }

    @Test func parameterLabels() {
        #expect(CompareTable.formatParameters(134_515_008) == "135M")
        #expect(CompareTable.formatParameters(494_032_768) == "494M")
        #expect(CompareTable.formatParameters(1_543_714_304) == "1.5B")
        #expect(CompareTable.formatParameters(7e9) == "7B")
        #expect(CompareTable.formatParameters(540e9) == "540B")
    }

    @Test func columnTitlesAndPaperKeys() {
        #expect(CompareColumn(benchmark: "humaneval", k: 1).title == "HumanEval pass@1")
        #expect(CompareColumn(benchmark: "mbpp", k: 80).paperKey == "mbpp@80")
        #expect(CompareColumn(benchmark: "mbpp", k: 10).paperKey == nil)
        #expect(CompareColumn(benchmark: "gsm8k", k: 8).title == "GSM8k maj1@8")
        #expect(CompareColumn(benchmark: "gsm8k", k: 8).paperKey == "gsm8k@maj")
        #expect(CompareColumn(benchmark: "math500", k: 1).paperKey == nil)
    }

    @Test func measuredRowsThenPaperRows() throws {
        let t = Self.table()
        #expect(t.title.contains("Table 8"))
        #expect(t.rows.prefix(2).map(\.model) == ["small", "big"])
        let small = t.rows[0]
        #expect(small.parameters == 134_515_008)
        #expect(small.values["humaneval@1"] == 25)
        #expect(small.values["mbpp@1"] == 0)
        // sqrt(0.25 * 0.75 / 4) = 0.2165
        #expect(abs(small.standardErrors["humaneval@1"]! - 21.65) < 0.01)
        let paper = t.rows.filter(\.paper)
        #expect(paper.map(\.label).contains("LLaMA 7B (paper)"))
        #expect(paper.map(\.label).contains("LaMDA 137B (paper)"))
        #expect(paper.map(\.label).contains("PaLM 540B (paper)"))
        #expect(paper.first { $0.label == "LLaMA 65B (paper)" }?.values == ["humaneval@1": 23.7, "mbpp@1": 37.7])
        #expect(!paper.contains { $0.model == "Minerva" }, "Table 7 rows do not belong to a code table")

        let math = CompareTable.build(models: [], columns: [CompareColumn(benchmark: "gsm8k", k: 1)], results: [])
        #expect(math.title.contains("Table 7"))
        #expect(math.rows.first { $0.label == "Minerva 62B (paper)" }?.values == ["gsm8k@1": 52.4])
        #expect(math.rows.first { $0.label == "LLaMA 65B (paper)" }?.values == ["gsm8k@1": 50.9])
    }

    @Test func textTableIsAligned() {
        let text = Self.table().text()
        let lines = text.split(separator: "\n").map(String.init)
        let tableLines = Array(lines[1..<(1 + 2 + Self.table().rows.count)])
        #expect(Set(tableLines.map(\.count)).count == 1, "every table line has the same width:\n\(text)")
        #expect(tableLines[0].hasPrefix("Model"))
        #expect(text.contains("25.0 ± 21.7"))
        #expect(text.contains("LLaMA 13B (paper)"))
        #expect(text.contains("sqrt(p(1-p)/n_tasks)"))
    }

    @Test func markdownAndJSON() throws {
        let t = Self.table()
        let md = t.markdown().split(separator: "\n").map(String.init)
        let header = try #require(md.first { $0.hasPrefix("| Model") })
        let bars = header.filter { $0 == "|" }.count
        for line in md where line.hasPrefix("|") { #expect(line.filter { $0 == "|" }.count == bars, "\(line)") }
        let j = try #require(try JSONSerialization.jsonObject(with: Data(t.json().utf8)) as? [String: Any])
        let rows = try #require(j["rows"] as? [[String: Any]])
        #expect(rows.count == t.rows.count)
        #expect(rows[0]["source"] as? String == "measured" && rows[0]["parameters"] as? Int == 134_515_008)
        #expect(rows.last?["source"] as? String == "paper")
    }

    @Test func logScaleMapsDecadesEvenly() {
        let x = LogScale(lo: 1e8, hi: 1e11, from: 0, to: 300)
        #expect(x(1e8) == 0)
        #expect(abs(x(1e9) - 100) < 1e-9)
        #expect(abs(x(1e11) - 300) < 1e-9)
        #expect(abs(x((1e8 * 1e11).squareRoot()) - 150) < 1e-9)
        #expect(x.ticks == [1e8, 1e9, 1e10, 1e11])
        let d = LogScale.decades([134_515_008, 7e9])
        #expect(d.lo == 1e8 && d.hi == 1e10)
        #expect(LogScale.decades([5e8, 5e8]) == (lo: 1e8, hi: 1e9))
        let y = LinearScale(lo: 0, hi: 50, from: 350, to: 20)
        #expect(y(0) == 350 && y(50) == 20 && y(25) == 185)
    }

    @Test func chartHasOneLinePerBenchmarkWithErrorBars() {
        let chart = ScalingChart.build(Self.table())
        #expect(chart.series.map(\.name) == ["HumanEval pass@1", "HumanEval pass@1 (LLaMA paper)", "MBPP pass@1", "MBPP pass@1 (LLaMA paper)"])
        #expect(chart.series[0].points.map(\.parameters) == [134_515_008, 1_543_714_304])
        #expect(chart.series[1].points.map(\.parameters) == [7e9, 13e9, 33e9, 65e9])
        let x = chart.xScale, y = chart.yScale
        #expect(x.lo == 1e8 && x.hi == 1e11, "decades cover 135M … 65B")
        #expect(y.hi == 90, "tallest point: big on MBPP, 50 + 35.4 s.e. → 90 (rounded up to 10)")
        let svg = chart.svg()
        // small on HumanEval: 25% at 134.5M parameters
        let px = String(format: "%.1f", x(134_515_008)), py = String(format: "%.1f", y(25))
        #expect(svg.contains("\(px),\(py)"))
        #expect(svg.components(separatedBy: "class=\"errorbar\"").count - 1 == 3, "3 measured points have s.e. > 0 (small/mbpp is 0%)")
        #expect(svg.contains("stroke-dasharray"))
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
    }

    @Test func htmlEscapesEverything() {
        #expect(HTML.escape(#"<a href="x">'&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        let evil = "<img src=x onerror=alert(1)>"
        let t = CompareTable.build(models: [evil], columns: Self.columns,
                                   results: [fakeRun(evil, "humaneval", params: 1_000_000, passes: [true])])
        let page = t.html()
        #expect(!page.contains(evil))
        #expect(page.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(page.contains("<svg"))
        #expect(page.contains("sqrt(p(1-p)/n_tasks)"))
        #expect(!page.contains("<script"))
    }

    @Test func runReportHTML() {
        let r = fakeRun("m<1>", "humaneval", params: 5, passes: [true, false])
        let page = RunReport.html(r)
        #expect(page.contains("m&lt;1&gt;") && !page.contains("m<1>"))
        for needle in ["Manifest", "Scores", "Verdicts", "Throughput", "Tasks", "humaneval/0", "humaneval/1", "passed 1", "failed 1", "50.00"] {
            #expect(page.contains(needle), "missing \(needle)")
        }
    }

    @Test func mathColumnsUseAccuracyAndMajorityVote() {
        // gsm8k, one task, n = 3 samples answering 5, 5, 7 (5 is right): accuracy 2/3, maj1@3 correct.
        let m = RunManifest(benchmark: "gsm8k", profile: "llama1", model: "m", modelSHA256: nil, modelPath: nil,
                            parameterCount: 10, source: "local", endpoint: nil, ks: [1, 3], n: 3, temperature: 0.8, topP: 0.95,
                            topK: 0, maxTokens: 16, stops: [], seed: 1, promptTemplateHash: "t", datasetSHA256: "d",
                            taskIDs: ["gsm8k/0"], codeVersion: "t", greedy: false)
        let v = [("5", true), ("5", true), ("7", false)].enumerated().map { i, a in
            StoredVerdict(taskID: "gsm8k/0", index: i, status: a.1 ? "correct" : "wrong", passed: a.1, detail: a.0, durationMs: 1)
        }
        let r = RunResults.compute(info: RunInfo(id: "r", createdAt: "now", status: "complete", manifest: m, wallSeconds: 1),
                                   samples: [], verdicts: v)
        let cols = [CompareColumn(benchmark: "gsm8k", k: 1), CompareColumn(benchmark: "gsm8k", k: 3), CompareColumn(benchmark: "gsm8k", k: 4)]
        let t = CompareTable.build(models: ["m"], columns: cols, results: [r])
        #expect(abs(t.rows[0].values["gsm8k@1"]! - 200.0 / 3) < 1e-9)
        #expect(t.rows[0].values["gsm8k@3"] == 100)
        #expect(t.rows[0].values["gsm8k@4"] == nil, "maj1@4 needs a run with n = 4")
        let llama65 = t.rows.first { $0.label == "LLaMA 65B (paper)" }
        #expect(llama65?.values == ["gsm8k@1": 50.9, "gsm8k@3": 69.7, "gsm8k@4": 69.7], "paper maj1@k column (k = 100)")
    }
}
