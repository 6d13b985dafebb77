/// Exact match for closed-book QA (NaturalQuestions, TriviaQA), with the standard answer normalisation of the
/// SQuAD evaluation script that the open-domain QA literature reuses: lowercase, drop ASCII punctuation, drop the
/// articles a / an / the as whole words, collapse whitespace.
public enum ExactMatch {
    static let punctuation = Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

    public static func normalize(_ s: String) -> String {
        let lowered = s.lowercased().filter { !punctuation.contains($0) }
        let words = lowered.split(whereSeparator: { $0.isWhitespace }).filter { $0 != "a" && $0 != "an" && $0 != "the" }
        return words.joined(separator: " ")
    }

    /// Whether the prediction equals any gold answer after normalisation.
    public static func matches(_ prediction: String, golds: [String]) -> Bool {
        let p = normalize(prediction)
        return golds.contains { normalize($0) == p }
    }
}
