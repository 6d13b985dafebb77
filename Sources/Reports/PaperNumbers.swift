/// A reference row from the LLaMA paper (arXiv 2302.13971 v1), as listed in docs/protocol.md ("The paper's numbers"). Values are percent.
/// Keys: `humaneval@1`, `humaneval@100`, `mbpp@1`, `mbpp@80` (Table 8), `math@1`, `math@maj`, `gsm8k@1`,
/// `gsm8k@maj` (Table 7; `@maj` is the paper's "+maj1@k" column).
public struct PaperRow: Sendable, Equatable {
    public var model: String
    public var parameters: Double
    public var values: [String: Double]
}

public enum PaperNumbers {
    static func row(_ model: String, _ params: Double, _ keys: [String], _ values: [Double?]) -> PaperRow {
        var d: [String: Double] = [:]
        for (k, v) in zip(keys, values) { if let v { d[k] = v } }
        return PaperRow(model: model, parameters: params, values: d)
    }

    static let code = ["humaneval@1", "humaneval@100", "mbpp@1", "mbpp@80"]
    static let math = ["math@1", "math@maj", "gsm8k@1", "gsm8k@maj"]

    /// Table 8 — code generation (`*` values were read from figures in Chowdhery et al. 2022).
    public static let table8: [PaperRow] = [
        row("LaMDA", 137e9, code, [14.0, 47.3, 14.8, 62.4]),
        row("PaLM", 8e9, code, [3.6, 18.7, 5.0, 35.7]),
        row("PaLM", 62e9, code, [15.9, 46.3, 21.4, 63.2]),
        row("PaLM-cont", 62e9, code, [23.7, nil, 31.2, nil]),
        row("PaLM", 540e9, code, [26.2, 76.2, 36.8, 75.0]),
        row("LLaMA", 7e9, code, [10.5, 36.5, 17.7, 56.2]),
        row("LLaMA", 13e9, code, [15.8, 52.5, 22.0, 64.0]),
        row("LLaMA", 33e9, code, [21.7, 70.7, 30.2, 73.4]),
        row("LLaMA", 65e9, code, [23.7, 79.3, 37.7, 76.8]),
    ]

    /// Table 7 — quantitative reasoning (MATH, GSM8k; plain and +maj1@k).
    public static let table7: [PaperRow] = [
        row("PaLM", 8e9, math, [1.5, nil, 4.1, nil]),
        row("PaLM", 62e9, math, [4.4, nil, 33.0, nil]),
        row("PaLM", 540e9, math, [8.8, nil, 56.5, nil]),
        row("Minerva", 8e9, math, [14.1, 25.4, 16.2, 28.4]),
        row("Minerva", 62e9, math, [27.6, 43.4, 52.4, 68.5]),
        row("Minerva", 540e9, math, [33.6, 50.3, 68.5, 78.5]),
        row("LLaMA", 7e9, math, [2.9, 6.9, 11.0, 18.1]),
        row("LLaMA", 13e9, math, [3.9, 8.8, 17.8, 29.3]),
        row("LLaMA", 33e9, math, [7.1, 15.2, 35.6, 53.1]),
        row("LLaMA", 65e9, math, [10.6, 20.5, 50.9, 69.7]),
    ]

    /// The paper rows with at least one value under `keys`, Table 8 rows first.
    public static func rows(for keys: [String]) -> [PaperRow] {
        (table8 + table7).filter { r in keys.contains { r.values[$0] != nil } }
    }
}
