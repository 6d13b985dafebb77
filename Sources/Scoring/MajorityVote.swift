/// Majority voting over extracted answers (maj1@k, Wang et al. 2022 self-consistency).
public enum MajorityVote {
    public enum InvalidPolicy: String, Sendable, CaseIterable {
        /// lm-eval: an invalid answer (`[invalid]`, `[invalidanswer]`) is a candidate like any other.
        case countInvalid = "count-invalid"
        /// codeeval default: invalid answers do not vote; if all are invalid, the result is invalid.
        case dropInvalid = "drop-invalid"
    }

    /// The most common answer; ties go to the answer seen first (Python's `Counter.most_common(1)`).
    /// `key` maps an answer to its voting class (e.g. its normalised form); the first answer of the winning
    /// class is returned. Returns nil for an empty list or when every answer was dropped.
    public static func vote(_ answers: [String], policy: InvalidPolicy,
                            isInvalid: (String) -> Bool = { $0 == "[invalid]" || $0 == "[invalidanswer]" },
                            key: (String) -> String = { $0 }) -> String? {
        var order: [String] = []
        var counts: [String: Int] = [:]
        var first: [String: String] = [:]
        for a in answers {
            if policy == .dropInvalid && isInvalid(a) { continue }
            let k = key(a)
            if counts[k] == nil { order.append(k); first[k] = a }
            counts[k, default: 0] += 1
        }
        var best: String? = nil
        var bestCount = 0
        for k in order where counts[k]! > bestCount {
            best = k
            bestCount = counts[k]!
        }
        if best == nil && policy == .dropInvalid { return answers.first(where: isInvalid) }
        return best.flatMap { first[$0] }
    }
}
