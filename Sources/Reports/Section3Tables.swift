import Datasets
import Evaluation
import Foundation

/// One of the paper's §3 tables: its columns (a benchmark at a number of shots) and the LLaMA rows, in percent,
/// copied from Touvron et al. 2023 (arXiv 2302.13971 v1), Tables 3, 4, 5, 6 and 9.
public struct Section3Table: Sendable {
    public struct Column: Sendable, Equatable {
        public var benchmark: Benchmark
        public var shots: Int
        public var label: String
    }
    public let number: Int
    public let title: String
    public let columns: [Column]
    /// LLaMA 7B, 13B, 33B, 65B: one value per column.
    public let paper: [(model: String, values: [Double])]

    static let llama = ["LLaMA 7B", "LLaMA 13B", "LLaMA 33B", "LLaMA 65B"]
    static func c(_ b: Benchmark, _ label: String, _ shots: Int = 0) -> Column { Column(benchmark: b, shots: shots, label: label) }
    static func rows(_ v: [[Double]]) -> [(model: String, values: [Double])] { zip(llama, v).map { ($0, $1) } }

    public static let all: [Section3Table] = [
        Section3Table(number: 3, title: "Zero-shot performance on common sense reasoning tasks",
                      columns: [c(.boolq, "BoolQ"), c(.piqa, "PIQA"), c(.siqa, "SIQA"), c(.hellaswag, "HellaSwag"),
                                c(.winogrande, "WinoGrande"), c(.arcEasy, "ARC-e"), c(.arcChallenge, "ARC-c"), c(.openbookqa, "OBQA")],
                      paper: rows([[76.5, 79.8, 48.9, 76.1, 70.1, 72.8, 47.6, 57.2], [78.1, 80.1, 50.4, 79.2, 73.0, 74.8, 52.7, 56.4],
                                   [83.1, 82.3, 50.4, 82.8, 76.0, 80.0, 57.8, 58.6], [85.3, 82.8, 52.3, 84.2, 77.0, 78.9, 56.0, 60.2]])),
        Section3Table(number: 4, title: "NaturalQuestions, exact match",
                      columns: [0, 1, 5, 64].map { c(.nq, "\($0)-shot", $0) },
                      paper: rows([[16.8, 18.7, 22.0, 26.1], [20.1, 23.4, 28.1, 31.9], [24.9, 28.3, 32.9, 36.0], [23.8, 31.0, 35.0, 39.9]])),
        Section3Table(number: 5, title: "TriviaQA, exact match (paper: filtered dev; ours: its Wikipedia half only)",
                      columns: [0, 1, 5, 64].map { c(.triviaqa, "\($0)-shot", $0) },
                      paper: rows([[50.0, 53.4, 56.3, 57.6], [56.6, 60.5, 62.0, 63.1], [65.1, 67.9, 69.9, 70.4], [68.2, 71.6, 72.6, 73.0]])),
        Section3Table(number: 6, title: "Reading comprehension (RACE), zero-shot accuracy",
                      columns: [c(.raceMiddle, "RACE-middle"), c(.raceHigh, "RACE-high")],
                      paper: rows([[61.1, 46.9], [61.6, 47.2], [64.1, 48.3], [67.9, 51.6]])),
        Section3Table(number: 9, title: "MMLU, five-shot accuracy (average; ours: macro over the 57 subjects)",
                      columns: [c(.mmlu, "Average", 5)],
                      paper: rows([[35.1], [46.9], [57.8], [63.4]])),
    ]
}

/// Our runs beside the paper's rows, for every table one of whose columns was run.
public struct Section3Comparison: Sendable {
    public let tables: [(table: Section3Table, ours: [(model: String, values: [Accuracy?])])]

    public static func build(models: [String], results: [Section3Results]) -> Section3Comparison {
        let find = { (m: String, col: Section3Table.Column) in
            results.last { $0.info.manifest.model == m && $0.benchmark == col.benchmark && ($0.info.manifest.shots ?? 0) == col.shots }
        }
        let tables = Section3Table.all.compactMap { t -> (table: Section3Table, ours: [(model: String, values: [Accuracy?])])? in
            let ours = models.map { m in (model: m, values: t.columns.map { find(m, $0)?.metric.value }) }
            return ours.contains { $0.values.contains { $0 != nil } } ? (t, ours) : nil
        }
        return Section3Comparison(tables: tables)
    }

    static func cell(_ a: Accuracy?) -> String { a.map { String(format: "%.1f ± %.1f", 100 * $0.value, 100 * $0.standardError) } ?? "-" }
    static func cell(_ v: Double) -> String { String(format: "%.1f", v) }

    func grid(_ t: Section3Table, _ ours: [(model: String, values: [Accuracy?])]) -> (header: [String], rows: [[String]]) {
        (["model"] + t.columns.map(\.label),
         ours.map { [$0.model] + $0.values.map(Self.cell) } + t.paper.map { ["\($0.model) (paper)"] + $0.values.map(Self.cell) })
    }

    static let source = "Paper rows: Touvron et al. 2023, LLaMA (arXiv 2302.13971), Table"

    public func markdown() -> String {
        tables.map { t, ours in
            let g = grid(t, ours)
            return "Table \(t.number): \(t.title)\n\n| " + g.header.joined(separator: " | ") + " |\n|" + String(repeating: " --- |", count: g.header.count)
                + "\n" + g.rows.map { "| " + $0.joined(separator: " | ") + " |\n" }.joined() + "\n\(Self.source) \(t.number).\n"
        }.joined(separator: "\n")
    }

    public func text() -> String {
        tables.map { t, ours in
            let g = grid(t, ours)
            let all = [g.header] + g.rows
            let widths = g.header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
            let line = { (r: [String]) in zip(r, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ") }
            return "Table \(t.number): \(t.title)\n" + all.map { line($0) + "\n" }.joined() + "\(Self.source) \(t.number).\n"
        }.joined(separator: "\n")
    }

    public func json() -> String {
        let out: [[String: Any]] = tables.map { t, ours in
            ["table": t.number, "title": t.title, "columns": t.columns.map { ["benchmark": $0.benchmark.rawValue, "shots": $0.shots, "label": $0.label] },
             "ours": ours.map { ["model": $0.model, "values": $0.values.map { a in a.map { ["value": $0.value, "stderr": $0.standardError, "n": $0.n] } as Any? ?? NSNull() }] },
             "paper": t.paper.map { ["model": $0.model, "values": $0.values] }, "source": "\(Self.source) \(t.number)"]
        }
        guard let d = try? JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]) else { return "[]" }
        return String(decoding: d, as: UTF8.self)
    }

    public func html() -> String {
        HTML.page(title: "codeeval: LLaMA §3 tables", body: tables.map { t, ours in
            let g = grid(t, ours)
            return "<h2>Table \(t.number): \(HTML.escape(t.title))</h2>\n"
                + HTML.table(g.header, g.rows, numeric: Set(1..<g.header.count), rowClasses: g.rows.indices.map { $0 < ours.count ? nil : "paper" })
                + "<p>\(HTML.escape(Self.source)) \(t.number).</p>\n"
        }.joined())
    }
}
