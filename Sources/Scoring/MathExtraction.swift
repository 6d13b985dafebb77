/// Finding the final answer in a MATH solution or model completion.
public enum MathExtraction {
    public static let invalid = "[invalidanswer]"

    /// The last `\boxed{…}` (or `\fbox{…}`) with brace matching, including the command
    /// (lm-eval/Hendrycks `last_boxed_only_string`). A `\boxed ` + space form runs to the next `$`.
    public static func lastBoxedOnly(_ s: String) -> String? {
        if let r = s.range(of: "\\boxed ", options: .backwards) {
            let tail = s[r.upperBound...]
            let answer = tail.split(separator: "$", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            return "\\boxed " + answer
        }
        let chars = Array(s.unicodeScalars)
        func rfind(_ needle: String) -> Int? {
            let n = Array(needle.unicodeScalars)
            guard chars.count >= n.count else { return nil }
            var i = chars.count - n.count
            while i >= 0 {
                if chars[i..<(i + n.count)].elementsEqual(n) { return i }
                i -= 1
            }
            return nil
        }
        guard let idx = rfind("\\boxed") ?? rfind("\\fbox") else { return nil }
        var open = 0
        var i = idx
        while i < chars.count {
            if chars[i] == "{" { open += 1 }
            if chars[i] == "}" {
                open -= 1
                if open == 0 {
                    var out = String.UnicodeScalarView()
                    out.append(contentsOf: chars[idx...i])
                    return String(out)
                }
            }
            i += 1
        }
        return nil
    }

    /// The content of the last boxed answer (`remove_boxed(last_boxed_only_string(s))`), or nil.
    public static func lastBoxed(_ s: String) -> String? {
        guard let boxed = lastBoxedOnly(s) else { return nil }
        for left in ["\\boxed ", "\\boxed{", "\\fbox{"] where boxed.hasPrefix(left) {
            var inner = String(boxed.dropFirst(left.count))
            if left.hasSuffix("{") {
                guard inner.hasSuffix("}") else { return nil }
                inner.removeLast()
            }
            return inner
        }
        return nil
    }

    /// Minerva/lm-eval `get_unnormalized_answer`: the text of
    /// `Final Answer: The final answer is(.*?). I hope it is correct.` after appending `I hope it is correct.`,
    /// stripped; `[invalidanswer]` when there is no match (checklist 29).
    public static func minervaFinalAnswer(_ completion: String) -> String {
        let text = Array((completion + "I hope it is correct.").unicodeScalars)
        let prefix = Array("Final Answer: The final answer is".unicodeScalars)
        let middle = Array(" I hope it is correct".unicodeScalars)
        var start = 0
        while start + prefix.count <= text.count {
            guard text[start..<(start + prefix.count)].elementsEqual(prefix) else { start += 1; continue }
            let g = start + prefix.count
            var q = g
            // Lazy group: the shortest text (no newline) followed by any char, " I hope it is correct", any char.
            while q < text.count {
                let any1 = q
                let midStart = any1 + 1
                let any2 = midStart + middle.count
                if any2 < text.count, text[any1] != "\n", text[any2] != "\n",
                   text[midStart..<any2].elementsEqual(middle) {
                    var out = String.UnicodeScalarView()
                    out.append(contentsOf: text[g..<q])
                    return pyStrip(String(out))
                }
                if text[q] == "\n" { break }
                q += 1
            }
            start += 1
        }
        return invalid
    }

    /// lm-eval `hendrycks_math` answer: text between the first and last `$` when there are at least two,
    /// else the whole completion.
    public static func dollarDelimited(_ completion: String) -> String {
        guard let first = completion.firstIndex(of: "$"), let last = completion.lastIndex(of: "$"), first < last else {
            return completion
        }
        return String(completion[completion.index(after: first)..<last])
    }

    /// Our extraction for completions: the Minerva final-answer sentence, else the last boxed answer,
    /// else `[invalidanswer]`.
    public static func extract(_ completion: String) -> String {
        let minerva = minervaFinalAnswer(completion)
        if minerva != invalid { return minerva }
        if let boxed = lastBoxed(completion) { return boxed }
        return invalid
    }
}
