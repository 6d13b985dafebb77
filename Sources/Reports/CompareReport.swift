import Evaluation
import Foundation
import Scoring

/// One column of a comparison: a benchmark and a k (pass@k for code; accuracy / maj1@k for math).
public struct CompareColumn: Sendable, Equatable {
    public var benchmark: String
    public var k: Int
    public init(benchmark: String, k: Int) {
        self.benchmark = benchmark
        self.k = k
    }

    public static let codeBenchmarks: Set<String> = ["humaneval", "mbpp", "humaneval-plus", "mbpp-plus"]
    public var isCode: Bool { Self.codeBenchmarks.contains(benchmark) }
    public var key: String { "\(benchmark)@\(k)" }

    static let names = ["humaneval": "HumanEval", "mbpp": "MBPP", "gsm8k": "GSM8k", "math": "MATH", "math500": "MATH-500",
                        "humaneval-plus": "HumanEval+", "mbpp-plus": "MBPP+"]
    public var title: String {
        let name = Self.names[benchmark] ?? benchmark
        if isCode { return "\(name) pass@\(k)" }
        return k == 1 ? name : "\(name) maj1@\(k)"
    }

    /// The paper's value key for this column (see `PaperRow`), or nil when the paper has no such column.
    public var paperKey: String? {
        switch (benchmark, k) {
        case ("humaneval", 1), ("humaneval", 100), ("mbpp", 1), ("mbpp", 80), ("math", 1), ("gsm8k", 1): return key
        case ("math", _), ("gsm8k", _): return "\(benchmark)@maj"
        default: return nil
        }
    }
}

/// A row: a measured model or a paper reference. Values are percent.
public struct CompareRow: Sendable, Equatable {
    public var model: String
    public var parameters: Double?
    public var paper: Bool
    public var values: [String: Double]
    /// Binomial standard error sqrt(p(1-p)/tasks), percent (measured rows).
    public var standardErrors: [String: Double]
    public var tasks: [String: Int]
    public var runIDs: [String: String]
    public var greedy: [String: Bool]

    public init(model: String, parameters: Double?, paper: Bool, values: [String: Double] = [:],
                standardErrors: [String: Double] = [:], tasks: [String: Int] = [:], runIDs: [String: String] = [:],
                greedy: [String: Bool] = [:]) {
        self.model = model
        self.parameters = parameters
        self.paper = paper
        self.values = values
        self.standardErrors = standardErrors
        self.tasks = tasks
        self.runIDs = runIDs
        self.greedy = greedy
    }

    public var label: String {
        guard paper else { return model }
        return "\(model) \(parameters.map(CompareTable.formatParameters) ?? "") (paper)"
    }
}

/// A LLaMA Table 8 (code) / Table 7 (math) shaped comparison: measured rows, then the paper's rows.
public struct CompareTable: Sendable, Equatable {
    public var title: String
    public var columns: [CompareColumn]
    public var rows: [CompareRow]

    /// Measured rows (one per model, in the given order) from completed runs, then the paper rows that have a
    /// value in some column.
    public static func build(models: [String], columns: [CompareColumn], results: [RunResults]) -> CompareTable {
        var rows: [CompareRow] = []
        for model in models {
            var row = CompareRow(model: model, parameters: nil, paper: false)
            for col in columns {
                guard let r = results.first(where: { $0.info.manifest.model == model && $0.info.manifest.benchmark == col.benchmark }),
                      let p = value(r, col) else { continue }
                if let count = r.info.manifest.parameterCount { row.parameters = Double(count) }
                row.values[col.key] = 100 * p
                row.standardErrors[col.key] = 100 * PassAtK.standardError(passAt1: p, tasks: r.tasks.count)
                row.tasks[col.key] = r.tasks.count
                row.runIDs[col.key] = r.info.id
                row.greedy[col.key] = r.info.manifest.greedy
            }
            rows.append(row)
        }
        let keys = columns.compactMap(\.paperKey)
        for p in PaperNumbers.rows(for: keys) {
            var values: [String: Double] = [:]
            for col in columns { if let pk = col.paperKey, let v = p.values[pk] { values[col.key] = v } }
            rows.append(CompareRow(model: p.model, parameters: p.parameters, paper: true, values: values))
        }
        let code = columns.allSatisfy(\.isCode), math = columns.allSatisfy { !$0.isCode }
        let title = code ? "Code generation (LLaMA Table 8 layout)"
            : math ? "Quantitative reasoning (LLaMA Table 7 layout)" : "Code and math (LLaMA Tables 7–8 layout)"
        return CompareTable(title: title, columns: columns, rows: rows)
    }

    /// pass@k for code; accuracy (k = 1) or maj1@k (k > 1) for math. Nil if the run cannot give it.
    static func value(_ r: RunResults, _ col: CompareColumn) -> Double? {
        if col.isCode || col.k == 1 { return r.passAtK[col.k] }
        return r.info.manifest.n == col.k ? r.majorityAccuracy : nil
    }

    /// 135M, 1.5B, 7B, 540B.
    public static func formatParameters(_ p: Double) -> String {
        func trim(_ x: Double) -> String {
            let s = x >= 100 ? String(format: "%.0f", x) : String(format: "%.1f", x)
            return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
        }
        if p >= 1e9 { return trim(p / 1e9) + "B" }
        if p >= 1e6 { return trim(p / 1e6) + "M" }
        if p >= 1e3 { return trim(p / 1e3) + "K" }
        return String(Int(p))
    }

    func cellText(_ row: CompareRow, _ col: CompareColumn, errors: Bool) -> String {
        guard let v = row.values[col.key] else { return "–" }
        var s = String(format: "%.1f", v)
        if errors, let e = row.standardErrors[col.key] { s += String(format: " ± %.1f", e) }
        if row.greedy[col.key] == true { s += " (greedy)" }
        return s
    }

    var header: [String] { ["Model", "Params", "Source"] + columns.map(\.title) }

    func cells(errors: Bool) -> [[String]] {
        rows.map { r in
            [r.paper ? r.label : r.model, r.parameters.map(Self.formatParameters) ?? "?", r.paper ? "paper" : "measured"]
                + columns.map { cellText(r, $0, errors: errors) }
        }
    }

    var notes: [String] {
        var out = ["Values are percent. Measured cells: ± is the binomial standard error sqrt(p(1-p)/n_tasks).",
                   "Paper rows: LLaMA paper (arXiv 2302.13971) Tables 7–8, as listed in docs/protocol.md (\"The paper's numbers\"), on the full "
                   + "benchmarks (pass@1 at T = 0.1, pass@80/100 at T = 0.8; maj1@k with k = 256 for MATH, 100 for GSM8k); "
                   + "measured rows may use fewer tasks and other sampling settings (see each run's manifest)."]
        for r in rows where !r.paper {
            let parts = columns.compactMap { c in r.runIDs[c.key].map { "\(c.title): run \($0), \(r.tasks[c.key] ?? 0) tasks" } }
            if !parts.isEmpty { out.append("\(r.model): " + parts.joined(separator: "; ")) }
        }
        return out
    }

    /// Aligned plain-text table for the terminal.
    public func text() -> String {
        let all = [header] + cells(errors: true)
        let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        func line(_ r: [String]) -> String {
            r.enumerated().map { i, c in
                i < 3 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                      : String(repeating: " ", count: widths[i] - c.count) + c
            }.joined(separator: "  ")
        }
        var s = title + "\n" + line(header) + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for r in all.dropFirst() { s += line(r) + "\n" }
        return s + notes.map { "  " + $0 }.joined(separator: "\n") + "\n"
    }

    public func markdown() -> String {
        func esc(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
        var s = "### \(title)\n\n| " + header.map(esc).joined(separator: " | ") + " |\n"
        s += "|" + header.indices.map { $0 < 3 ? "---|" : "---:|" }.joined() + "\n"
        for r in cells(errors: true) { s += "| " + r.map(esc).joined(separator: " | ") + " |\n" }
        return s + "\n" + notes.map { "- " + esc($0) }.joined(separator: "\n") + "\n"
    }

    public func json() -> String {
        let o: [String: Any] = [
            "title": title,
            "columns": columns.map { ["key": $0.key, "title": $0.title, "benchmark": $0.benchmark, "k": $0.k] as [String: Any] },
            "rows": rows.map { r -> [String: Any] in
                var d: [String: Any] = ["model": r.model, "source": r.paper ? "paper" : "measured", "values": r.values]
                d["parameters"] = r.parameters.map { Int($0) } as Any? ?? NSNull()
                if !r.paper {
                    d["standard_errors"] = r.standardErrors
                    d["tasks"] = r.tasks
                    d["run_ids"] = r.runIDs
                    d["greedy"] = r.greedy
                }
                return d
            },
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Self-contained page: the table, and the pass@1 (k = 1 columns) vs parameter count chart.
    public func html() -> String {
        var body = HTML.table(header, cells(errors: true), numeric: Set(3..<header.count),
                              rowClasses: rows.map { $0.paper ? "paper" : nil })
        body += notes.map { "<p class=\"note\">\(HTML.escape($0))</p>\n" }.joined()
        let chart = ScalingChart.build(self)
        if !chart.series.isEmpty {
            body += "<h2>\(HTML.escape(chart.yLabel)) vs parameter count</h2>\n" + chart.svg()
            body += "<p class=\"note\">x: parameters (log scale). Solid lines: measured, with error bars = binomial standard "
                + "error sqrt(p(1-p)/n_tasks) of each point. Dashed lines: LLaMA paper (no error bars).</p>\n"
        }
        return HTML.page(title: title, body: body)
    }
}
