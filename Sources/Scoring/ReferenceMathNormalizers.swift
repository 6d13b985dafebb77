/// Re-implementations of the two reference MATH normalisers, quirks included, so our `compat` modes give the
/// numbers the reference harnesses give.

/// Minerva's `normalize_final_answer` (Lewkowycz et al. 2022, appendix D; as lm-eval's `minerva_math` uses it).
public enum MinervaNormalizer {
    static let substitutions: [(String, String)] = [
        ("an ", ""), ("a ", ""), (".$", "$"), ("\\$", ""), ("\\ ", ""), (" ", ""), ("mbox", "text"),
        (",\\text{and}", ","), ("\\text{and}", ","), ("\\text{m}", "\\text{}"),
    ]
    static let removedExpressions: [String] = [
        "square", "ways", "integers", "dollars", "mph", "inches", "ft", "hours", "km", "units", "\\ldots", "sue",
        "points", "feet", "minutes", "digits", "cents", "degrees", "cm", "gm", "pounds", "meters", "meals", "edges",
        "students", "childrentickets", "multiples", "\\text{s}", "\\text{.}", "\\text{\ns}", "\\text{}^2",
        "\\text{}^3", "\\text{\n}", "\\text{}", "\\mathrm{th}", "^\\circ", "^{\\circ}", "\\;", ",\\!", "{,}", "\"",
        "\\dots",
    ]

    public static func normalize(_ answer: String) -> String {
        var s = answer.components(separatedBy: "=").last ?? answer
        for (before, after) in substitutions { s = s.replacingOccurrences(of: before, with: after) }
        for expr in removedExpressions { s = s.replacingOccurrences(of: expr, with: "") }
        s = perLine(s, firstDollarSpan)
        s = perLine(s) { unwrapShortest($0, command: "\\text{") }
        s = perLine(s) { unwrapShortest($0, command: "\\textbf{") }
        s = perLine(s) { unwrapShortest($0, command: "\\overline{") }
        s = perLine(s, unwrapBoxedGreedy)
        s = fracShorthand(s)
        s = sqrtShorthand(s)
        s = s.replacingOccurrences(of: "$", with: "")
        let noCommas = s.replacingOccurrences(of: ",", with: "")
        if !noCommas.isEmpty && noCommas.allSatisfy({ $0.isNumber && $0.unicodeScalars.allSatisfy { $0.properties.numericType == .decimal } }) {
            s = noCommas
        }
        return s
    }

    /// Python regexes whose `.` does not cross newlines act line by line.
    static func perLine(_ s: String, _ f: (String) -> String) -> String {
        guard s.contains("\n") else { return f(s) }
        return s.components(separatedBy: "\n").map(f).joined(separator: "\n")
    }

    /// `re.sub(r"(.*?)(\$)(.*?)(\$)(.*)", "$\\3$", s)`: keep only the first `$…$` span.
    static func firstDollarSpan(_ s: String) -> String {
        guard let a = s.firstIndex(of: "$") else { return s }
        let rest = s[s.index(after: a)...]
        guard let b = rest.firstIndex(of: "$") else { return s }
        return "$" + String(s[s.index(after: a)..<b]) + "$"
    }

    /// `re.sub(r"(\\cmd\{)(.*?)(\})", "\\2", s)`: every `\cmd{X}` → X, X the shortest up to the next `}`.
    static func unwrapShortest(_ s: String, command: String) -> String {
        var out = ""
        var rest = Substring(s)
        while let r = rest.range(of: command) {
            guard let close = rest[r.upperBound...].firstIndex(of: "}") else { break }
            out += rest[..<r.lowerBound]
            out += rest[r.upperBound..<close]
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// `re.sub(r"(\\boxed\{)(.*)(\})", "\\2", s)`: from the first `\boxed{` to the last `}`.
    static func unwrapBoxedGreedy(_ s: String) -> String {
        guard let r = s.range(of: "\\boxed{"), let close = s[r.upperBound...].lastIndex(of: "}") else { return s }
        return String(s[..<r.lowerBound]) + String(s[r.upperBound..<close]) + String(s[s.index(after: close)...])
    }

    /// `re.sub(r"(frac)([^{])(.)", "frac{\\2}{\\3}", s)`.
    static func fracShorthand(_ s: String) -> String {
        let c = Array(s)
        var out: [Character] = []
        var i = 0
        while i < c.count {
            if i + 5 < c.count + 0, i + 4 < c.count, c[i] == "f", c[i + 1] == "r", c[i + 2] == "a", c[i + 3] == "c",
               c[i + 4] != "{", i + 5 < c.count, c[i + 5] != "\n" {
                out += Array("frac{") + [c[i + 4]] + Array("}{") + [c[i + 5]] + ["}"]
                i += 6
            } else {
                out.append(c[i])
                i += 1
            }
        }
        return String(out)
    }

    /// `re.sub(r"(sqrt)([^{])", "sqrt{\\2}", s)`.
    static func sqrtShorthand(_ s: String) -> String {
        let c = Array(s)
        var out: [Character] = []
        var i = 0
        while i < c.count {
            if i + 4 < c.count, c[i] == "s", c[i + 1] == "q", c[i + 2] == "r", c[i + 3] == "t", c[i + 4] != "{" {
                out += Array("sqrt{") + [c[i + 4]] + ["}"]
                i += 5
            } else {
                out.append(c[i])
                i += 1
            }
        }
        return String(out)
    }
}

/// Hendrycks et al.'s original `is_equiv` with `_strip_string` (`modeling/math_equivalence.py`), exactly:
/// string comparison after normalisation; if normalisation raises (Python exceptions reproduced as `nil`),
/// the raw strings are compared.
public enum HendrycksEquivalence {
    public static func isEquiv(_ a: String?, _ b: String?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        guard let sa = strip(a), let sb = strip(b) else { return a == b }
        return sa == sb
    }

    /// `_strip_string`; nil where the Python code raises.
    public static func strip(_ input: String) -> String? {
        var s = input.replacingOccurrences(of: "\n", with: "")
        s = s.replacingOccurrences(of: "\\!", with: "")
        s = s.replacingOccurrences(of: "\\\\", with: "\\")
        s = s.replacingOccurrences(of: "tfrac", with: "frac")
        s = s.replacingOccurrences(of: "dfrac", with: "frac")
        s = s.replacingOccurrences(of: "\\left", with: "")
        s = s.replacingOccurrences(of: "\\right", with: "")
        s = s.replacingOccurrences(of: "^{\\circ}", with: "")
        s = s.replacingOccurrences(of: "^\\circ", with: "")
        s = s.replacingOccurrences(of: "\\$", with: "")
        // _remove_right_units: asserts exactly one "\text{ ".
        if s.contains("\\text{ ") {
            let parts = s.components(separatedBy: "\\text{ ")
            guard parts.count == 2 else { return nil }
            s = parts[0]
        }
        s = s.replacingOccurrences(of: "\\%", with: "")
        s = s.replacingOccurrences(of: " .", with: " 0.")
        s = s.replacingOccurrences(of: "{.", with: "{0.")
        if s.isEmpty { return s }
        if s.first == "." { s = "0" + s }
        let eq = s.components(separatedBy: "=")
        if eq.count == 2 && eq[0].count <= 2 { s = eq[1] }
        guard let sq = fixSqrt(s) else { return nil }
        s = sq.replacingOccurrences(of: " ", with: "")
        guard let fr = fixFracs(s) else { return nil }
        s = fr
        if s == "0.5" { s = "\\frac{1}{2}" }
        return fixSlash(s)
    }

    static func fixSqrt(_ s: String) -> String? {
        guard s.contains("\\sqrt") else { return s }
        let splits = s.components(separatedBy: "\\sqrt")
        var out = splits[0]
        for part in splits.dropFirst() {
            guard let first = part.first else { return nil }  // IndexError in Python
            out += first != "{" ? "\\sqrt{\(first)}" + part.dropFirst() : "\\sqrt" + part
        }
        return out
    }

    static func fixFracs(_ s: String) -> String? {
        let substrs = s.components(separatedBy: "\\frac")
        var out = substrs[0]
        for sub in substrs.dropFirst() {
            out += "\\frac"
            guard let a = sub.first else { return nil }  // substr[0] raises IndexError
            if a == "{" {
                out += sub
                continue
            }
            guard sub.count >= 2 else { return s }  // the AssertionError is caught: original string
            let b = sub[sub.index(after: sub.startIndex)]
            let post = sub.dropFirst(2)
            out += b != "{" ? "{\(a)}{\(b)}" + post : "{\(a)}\(b)" + post
        }
        return out
    }

    /// `_fix_a_slash_b`; nil where `int()` raises ValueError (which the caller's bare except turns into raw comparison).
    static func fixSlash(_ s: String) -> String? {
        let parts = s.components(separatedBy: "/")
        guard parts.count == 2 else { return s }
        guard let a = pythonInt(parts[0]), let b = pythonInt(parts[1]) else { return nil }
        guard s == "\(a)/\(b)" else { return s }
        return "\\frac{\(a)}{\(b)}"
    }

    /// Python `int(str)` for ordinary decimal text (surrounding whitespace, sign, underscores between digits).
    static func pythonInt(_ s: String) -> Int? {
        let t = pyStrip(s)
        var body = Substring(t)
        var negative = false
        if let f = body.first, f == "+" || f == "-" { negative = f == "-"; body = body.dropFirst() }
        guard !body.isEmpty, body.first != "_", body.last != "_", !body.contains("__"),
              body.allSatisfy({ $0 == "_" || ($0.isASCII && $0.isNumber) }) else { return nil }
        guard let v = Int(body.replacingOccurrences(of: "_", with: "")) else { return nil }
        return negative ? -v : v
    }
}
