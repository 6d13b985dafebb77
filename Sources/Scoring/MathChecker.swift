/// Deciding whether a MATH answer equals the gold answer.
///
/// - `minerva`: lm-eval `minerva_math` (checklist 31–32): Minerva normalisation of both sides, then a
///   symbolic-difference check with no string-equality shortcut. lm-eval uses SymPy's LaTeX parser; we use our
///   parser and a numeric check, and, as there, anything that is not a single expression (tuples, intervals, sets,
///   comma lists) or does not parse is "not equal" — even when identical (lm-eval#4030).
/// - `hendrycks`: the original `is_equiv` (string equality after `_strip_string`, checklist 34).
/// - `default`: ours, strictly more accepting of equal answers and never of different ones: normalised string
///   equality first, then structure (tuples, intervals with their open/closed ends, sets, unordered comma
///   lists, matrices, multiple-choice letters, `x = 5`), then numeric equivalence of expressions.
public enum MathChecker {
    public enum Checker: String, Sendable, CaseIterable {
        case `default`
        case minerva
        case hendrycks
    }

    public static func isEquivalent(gold: String, answer: String, checker: Checker = .default) -> Bool {
        switch checker {
        case .hendrycks:
            return HendrycksEquivalence.isEquiv(gold, answer)
        case .minerva:
            let a = MinervaNormalizer.normalize(gold), b = MinervaNormalizer.normalize(answer)
            guard let x = try? LatexExpressionParser.parse(a), let y = try? LatexExpressionParser.parse(b) else { return false }
            return NumericComparison.equal(x, y)
        case .default:
            return defaultEquivalent(gold, answer)
        }
    }

    // MARK: default checker

    static func defaultEquivalent(_ gold: String, _ answer: String) -> Bool {
        if answer == MathExtraction.invalid || gold == MathExtraction.invalid { return false }
        let g = clean(gold), a = clean(answer)
        if g.isEmpty || a.isEmpty { return false }
        if g == a { return true }
        if compact(g) == compact(a) { return true }
        let mg = MinervaNormalizer.normalize(gold), ma = MinervaNormalizer.normalize(answer)
        if !mg.isEmpty && mg == ma && !hasStructure(mg) { return true }
        if let x = choiceLetter(g), let y = choiceLetter(a) { return x == y }
        return structurallyEqual(Answer.parse(g), Answer.parse(a))
    }

    /// Removes what never changes the value: `$`, `\boxed{}`, `\text{units}`, degrees, percent, spacing commands.
    static func clean(_ raw: String) -> String {
        // Protect TeX line breaks (matrix rows) from the spacing-command rewrite below.
        var s = pyStrip(raw).replacingOccurrences(of: "\\\\", with: "\u{1}")
        if let inner = MathExtraction.lastBoxed(s), s.hasPrefix("\\boxed") || s.hasPrefix("\\fbox") { s = inner }
        for (a, b) in [("\\$", ""), ("$", ""), ("\\!", ""), ("\\,", ""), ("\\;", ""), ("\\:", ""), ("\\ ", " "),
                       ("\\displaystyle", ""), ("^{\\circ}", ""), ("^\\circ", ""), ("\\circ", ""), ("\\%", ""),
                       ("%", ""), ("\\dfrac", "\\frac"), ("\\tfrac", "\\frac"), ("{,}", ""), ("\\left", ""),
                       ("\\right", ""), ("\\mathrm{", "\\text{"), ("\\mbox{", "\\text{"), ("\\textbf{", "\\text{"),
                       ("~", " "), ("\n", " ")] {
            s = s.replacingOccurrences(of: a, with: b)
        }
        s = stripTextUnits(s).replacingOccurrences(of: "\u{1}", with: "\\\\")
        // `x = 5`, `k=5`, `y = 2x+1`: keep the right side when the left side is a plain name.
        if let eq = s.lastIndex(of: "="), !s.contains("\\le"), !s.contains("\\ge") {
            let lhs = s[..<eq].trimmingCharacters(in: .whitespaces)
            let lastLHS = lhs.split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? lhs
            if !lastLHS.isEmpty && lastLHS.count <= 8 && !s[..<eq].contains(",")
                && lastLHS.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "(" || $0 == ")" || $0 == "\\" || $0 == "{" || $0 == "}" }) {
                s = String(s[s.index(after: eq)...])
            }
        }
        s = pyStrip(s)
        while s.hasSuffix(".") && !s.hasSuffix("..") { s.removeLast() }
        return pyStrip(s)
    }

    /// `\text{…}` holding a unit or word next to a value is dropped; a lone `\text{X}` is unwrapped.
    static func stripTextUnits(_ s: String) -> String {
        var out = ""
        var rest = Substring(s)
        var removedAny = false
        while let r = rest.range(of: "\\text{") {
            guard let close = rest[r.upperBound...].firstIndex(of: "}") else { break }
            let before = out + rest[..<r.lowerBound]
            let content = rest[r.upperBound..<close]
            let hasValueBefore = before.contains(where: { $0.isNumber || $0 == "}" || $0 == ")" })
            if hasValueBefore && content.trimmingCharacters(in: .whitespaces).allSatisfy({ $0.isLetter || $0 == " " || $0 == "^" || $0 == "2" || $0 == "3" || $0 == "." }) {
                out += rest[..<r.lowerBound]
                removedAny = true
            } else {
                out += rest[..<r.lowerBound] + content
            }
            rest = rest[rest.index(after: close)...]
        }
        _ = removedAny
        return out + rest
    }

    static func compact(_ s: String) -> String { s.filter { !$0.isWhitespace } }

    static func hasStructure(_ s: String) -> Bool {
        s.contains(",") || s.hasPrefix("(") || s.hasPrefix("[") || s.hasPrefix("\\{")
    }

    /// `C`, `(C)`, `\text{(C)}` → `C` (answers A–E).
    static func choiceLetter(_ s: String) -> Character? {
        var t = compact(s)
        if t.hasPrefix("\\text{") && t.hasSuffix("}") { t = String(t.dropFirst(6).dropLast()) }
        if t.hasPrefix("(") && t.hasSuffix(")") { t = String(t.dropFirst().dropLast()) }
        guard t.count == 1, let ch = t.first, "ABCDE".contains(ch) else { return nil }
        return ch
    }

    /// The shape of an answer.
    indirect enum Answer {
        case expression(String)
        case ordered(open: Character, close: Character, [Answer])   // tuple or interval
        case unordered([Answer])                                     // set or comma list
        case matrix([[Answer]])

        static func parse(_ s: String) -> Answer {
            let t = pyStrip(s)
            if let m = matrix(t) { return m }
            if t.hasPrefix("\\{") && t.hasSuffix("\\}") {
                return .unordered(splitTopLevel(String(t.dropFirst(2).dropLast(2))).map(parse))
            }
            if let first = t.first, let last = t.last, "([".contains(first), ")]".contains(last), t.count >= 2,
               enclosesWhole(t) {
                let inner = String(t.dropFirst().dropLast())
                let parts = splitTopLevel(inner)
                if parts.count >= 2 { return .ordered(open: first, close: last, parts.map(parse)) }
            }
            // Thousands separators: 1,234,567 is one number.
            if isThousands(t) { return .expression(t.replacingOccurrences(of: ",", with: "")) }
            let parts = splitTopLevel(t)
            if parts.count >= 2 {
                // Comma lists of solutions: order does not matter. Split "\cup" unions the same way.
                return .unordered(parts.map(parse))
            }
            if t.contains("\\cup") {
                return .unordered(t.components(separatedBy: "\\cup").map(parse))
            }
            return .expression(t)
        }

        static func isThousands(_ t: String) -> Bool {
            let groups = t.split(separator: ",", omittingEmptySubsequences: false)
            guard groups.count >= 2, let first = groups.first, (1...3).contains(first.count),
                  first.allSatisfy({ $0.isASCII && $0.isNumber }) || (first.hasPrefix("-") && first.dropFirst().allSatisfy({ $0.isNumber })) else { return false }
            for (k, g) in groups.dropFirst().enumerated() {
                let isLast = k == groups.count - 2
                let intPart = isLast ? g.split(separator: ".", maxSplits: 1).first.map(String.init) ?? "" : String(g)
                guard intPart.count == 3, intPart.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
            }
            return true
        }

        static func matrix(_ t: String) -> Answer? {
            for env in ["pmatrix", "bmatrix", "matrix", "vmatrix"] {
                let open = "\\begin{\(env)}", close = "\\end{\(env)}"
                guard t.hasPrefix(open), t.hasSuffix(close) else { continue }
                let body = t.dropFirst(open.count).dropLast(close.count)
                let rows = body.components(separatedBy: "\\\\").map { pyStrip($0) }.filter { !$0.isEmpty }
                return .matrix(rows.map { $0.components(separatedBy: "&").map { parse($0) } })
            }
            return nil
        }

        /// Whether the first bracket closes at the last character (so `(1)(2)` is not one tuple).
        static func enclosesWhole(_ t: String) -> Bool {
            var depth = 0
            let chars = Array(t)
            for (k, ch) in chars.enumerated() {
                if "([{".contains(ch) { depth += 1 }
                if ")]}".contains(ch) {
                    depth -= 1
                    if depth == 0 && k != chars.count - 1 { return false }
                }
            }
            return depth == 0
        }

        /// Splits on commas at bracket depth 0. An interval's mismatched brackets (`[2,5)`) still nest.
        static func splitTopLevel(_ s: String) -> [String] {
            var parts: [String] = []
            var depth = 0
            var current = ""
            var prev: Character = " "
            for ch in s {
                if "([{".contains(ch) { depth += 1 }
                if ")]}".contains(ch) { depth -= 1 }
                if ch == "," && depth == 0 && prev != "\\" {
                    parts.append(pyStrip(current))
                    current = ""
                } else {
                    current.append(ch)
                }
                prev = ch
            }
            parts.append(pyStrip(current))
            return parts
        }
    }

    static func structurallyEqual(_ x: Answer, _ y: Answer) -> Bool {
        switch (x, y) {
        case (.expression(let a), .expression(let b)):
            if compact(a) == compact(b) { return true }
            guard let ea = try? LatexExpressionParser.parse(a), let eb = try? LatexExpressionParser.parse(b) else {
                return false
            }
            return NumericComparison.equal(ea, eb)
        case (.ordered(let o1, let c1, let a), .ordered(let o2, let c2, let b)):
            return o1 == o2 && c1 == c2 && a.count == b.count && zip(a, b).allSatisfy(structurallyEqual)
        case (.unordered(let a), .unordered(let b)):
            guard a.count == b.count else { return false }
            var unused = b
            for item in a {
                guard let k = unused.firstIndex(where: { structurallyEqual(item, $0) }) else { return false }
                unused.remove(at: k)
            }
            return true
        case (.matrix(let a), .matrix(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { r1, r2 in
                r1.count == r2.count && zip(r1, r2).allSatisfy(structurallyEqual)
            }
        default:
            return false
        }
    }
}
