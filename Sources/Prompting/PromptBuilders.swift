/// Prompt text for each benchmark. Builders take plain strings so they are testable without data files.
public enum HumanEvalPrompt {
    /// `llama1`/`lm-eval`: the dataset prompt byte-for-byte (it ends in "\n"); `bigcode`: trailing whitespace stripped.
    public static func build(prompt: String, profile: Profile) -> String {
        guard profile.stripHumanEvalPrompt else { return prompt }
        var s = Substring(prompt)
        while let last = s.last, last.isWhitespace { s.removeLast() }
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        return String(s)
    }
}

public enum MBPPPrompt {
    /// MBPP task ids used as the three shots (Austin et al. 2021, LLaMA).
    public static let shotTaskIDs = [2, 3, 4]
    /// The evaluation split: task ids 11–510.
    public static let evaluationTaskIDs = 11...510

    /// The query part: `You are an expert Python programmer, and here is your task: {text} Your code should pass
    /// these tests:\n\n{t0}\n{t1}\n{t2}\n[BEGIN]\n`.
    public static func query(text: String, tests: [String]) -> String {
        "You are an expert Python programmer, and here is your task: \(text) Your code should pass these tests:\n\n"
            + tests.joined(separator: "\n") + "\n[BEGIN]\n"
    }

    /// One shot: the query followed by the reference code (original `\r\n` bytes kept) and `\n[DONE]`.
    public static func shot(text: String, tests: [String], code: String) -> String {
        query(text: text, tests: tests) + code + "\n[DONE]"
    }

    /// Shots and query joined with "\n\n" (lm-eval-compatible).
    public static func build(text: String, tests: [String], shots: [(text: String, tests: [String], code: String)]) -> String {
        (shots.map { shot(text: $0.text, tests: $0.tests, code: $0.code) } + [query(text: text, tests: tests)])
            .joined(separator: "\n\n")
    }

    /// bigcode's zero-shot InCoder-style prompt: a docstring with the description and the first test.
    public static func bigcode(text: String, firstTest: String) -> String {
        "\"\"\"\n\(text)\n\(firstTest)\n\"\"\"\n"
    }
}

public enum GSM8kPrompt {
    /// `Q: {q}\nA: {cot} The answer is {n}.` blocks joined by "\n\n", then `Q: {question}\nA:`.
    public static func build(question: String, exemplars: [Exemplar] = FewShotExemplars.gsm8kCoT) -> String {
        (exemplars.map { "Q: \($0.question)\nA: \($0.answer)" } + ["Q: \(question)\nA:"]).joined(separator: "\n\n")
    }
}

public enum MATHPrompt {
    /// `Problem:\n{p}\n\nSolution:` with the 4 Minerva shots (target delimiter " ", separator "\n\n").
    public static func build(problem: String, exemplars: [Exemplar] = FewShotExemplars.minervaMath) -> String {
        (exemplars.map { query($0.question) + " " + $0.answer } + [query(problem)]).joined(separator: "\n\n")
    }

    static func query(_ problem: String) -> String { "Problem:\n\(problem)\n\nSolution:" }
}
