/// GSM8k answer extraction and comparison.
///
/// Two modes:
/// - `lmEval`: lm-evaluation-harness `gsm8k_cot` behaviour reproduced exactly, quirks included (checklist 22–27):
///   the strict regex `The answer is (\-?[0-9\.\,]+).` whose unescaped trailing `.` eats a character
///   (`"The answer is 18"` → `"1"`), the flexible regex `(-?[$0-9.,]{2,})|(-?[0-9]+)` (last match), and
///   exact-match after deleting `,`, `$`, everything through `#### `, one trailing `.`, then lower-casing.
/// - `default`: the same extraction without the truncation quirk, compared as numbers
///   (`$29.00` = `29`, `1,234` = `1234`).
public enum GSM8kChecker {
    public enum Mode: String, Sendable, CaseIterable {
        case `default`
        case lmEval = "lm-eval"
    }

    public static let invalid = "[invalid]"

    /// Gold answer: the text after the last `####`, stripped (checklist 22).
    public static func gold(fromSolution solution: String) -> String {
        guard let r = solution.range(of: "####", options: .backwards) else { return pyStrip(solution) }
        return pyStrip(String(solution[r.upperBound...]))
    }

    // MARK: lm-eval regexes, emulated

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private static func isStrictClass(_ c: UInt8) -> Bool { isDigit(c) || c == 0x2E || c == 0x2C }  // [0-9.,]
    private static func isFlexClass(_ c: UInt8) -> Bool { isStrictClass(c) || c == 0x24 }            // [$0-9.,]

    /// All matches of `The answer is (\-?[0-9\.\,]+).` (Python `re.findall`, `.` not matching newline).
    /// With `quirk == false` the trailing wildcard is dropped (what the pattern's author meant).
    static func strictMatches(_ text: String, quirk: Bool = true) -> [String] {
        let bytes = Array(text.utf8)
        let prefix = Array("The answer is ".utf8)
        var out: [String] = []
        var i = 0
        while i + prefix.count <= bytes.count {
            guard bytes[i..<(i + prefix.count)].elementsEqual(prefix) else { i += 1; continue }
            let start = i + prefix.count
            var matched: (groupStart: Int, groupEnd: Int, matchEnd: Int)? = nil
            // Try `\-?` greedy first (with '-'), then without.
            for useMinus in [true, false] {
                var g = start
                if useMinus {
                    guard g < bytes.count, bytes[g] == 0x2D else { continue }
                    g += 1
                }
                var e = g
                while e < bytes.count && isStrictClass(bytes[e]) { e += 1 }
                guard e > g else { continue }
                if !quirk { matched = (start, e, e); break }
                // The trailing `.` needs one more character that is not a newline; backtrack the run if needed.
                var end = e
                while end > g {
                    if end < bytes.count && bytes[end] != 0x0A { break }
                    end -= 1
                }
                if end > g && end < bytes.count && bytes[end] != 0x0A {
                    matched = (start, end, end + utf8Length(bytes[end]))
                    break
                }
            }
            if let m = matched {
                out.append(String(decoding: bytes[m.groupStart..<m.groupEnd], as: UTF8.self))
                i = m.matchEnd
            } else {
                i += 1
            }
        }
        return out
    }

    private static func utf8Length(_ lead: UInt8) -> Int {
        switch lead {
        case 0..<0x80: return 1
        case 0xC0..<0xE0: return 2
        case 0xE0..<0xF0: return 3
        default: return 4
        }
    }

    /// All matches of `(-?[$0-9.,]{2,})|(-?[0-9]+)`, each the first non-empty group.
    static func flexibleMatches(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        var out: [String] = []
        var i = 0
        while i < bytes.count {
            var found: Int? = nil
            // Alternative 1: -?[$0-9.,]{2,}
            for useMinus in [true, false] where found == nil {
                var g = i
                if useMinus { guard bytes[g] == 0x2D else { continue }; g += 1 }
                var e = g
                while e < bytes.count && isFlexClass(bytes[e]) { e += 1 }
                if e - g >= 2 { found = e }
            }
            // Alternative 2: -?[0-9]+
            for useMinus in [true, false] where found == nil {
                var g = i
                if useMinus { guard bytes[g] == 0x2D else { continue }; g += 1 }
                var e = g
                while e < bytes.count && isDigit(bytes[e]) { e += 1 }
                if e > g { found = e }
            }
            if let e = found {
                out.append(String(decoding: bytes[i..<e], as: UTF8.self))
                i = e
            } else {
                i += 1
            }
        }
        return out
    }

    /// lm-eval strict-match: first match of the strict regex, stripped, or `[invalid]`.
    public static func strictExtract(_ completion: String) -> String {
        strictMatches(completion).first.map(pyStrip) ?? invalid
    }

    /// lm-eval flexible-extract: last match of the flexible regex, stripped, or `[invalid]`.
    public static func flexibleExtract(_ completion: String) -> String {
        flexibleMatches(completion).last.map(pyStrip) ?? invalid
    }

    /// lm-eval's exact-match normalisation (`regexes_to_ignore` then `ignore_case`), applied to both sides.
    public static func lmEvalNormalize(_ s: String) -> String {
        var t = s.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "$", with: "")
        // `(?s).*#### ` : everything through the last "#### ".
        if let r = t.range(of: "#### ", options: .backwards) { t = String(t[r.upperBound...]) }
        // `\.$`: one '.' at the end, or just before a final newline (Python's `$`).
        if t.hasSuffix(".") {
            t.removeLast()
        } else if t.hasSuffix(".\n") {
            t.remove(at: t.index(t.endIndex, offsetBy: -2))
        }
        return t.lowercased()
    }

    // MARK: default mode

    /// Our extraction: the strict pattern without its truncation quirk, else a `#### X` line, else the last number.
    public static func extract(_ completion: String) -> String {
        if let m = strictMatches(completion, quirk: false).first {
            return trimNumber(m)
        }
        if let r = completion.range(of: "####", options: .backwards) {
            if let m = flexibleMatches(String(completion[r.upperBound...])).first { return trimNumber(m) }
        }
        if let m = flexibleMatches(completion).last { return trimNumber(m) }
        return invalid
    }

    private static func trimNumber(_ s: String) -> String {
        var t = pyStrip(s)
        while let last = t.last, last == "." || last == "," { t.removeLast() }
        return t
    }

    /// The numeric value of an answer: `$1,234.50` → 1234.5; nil if it is not a number.
    public static func numericValue(_ s: String) -> Double? {
        var t = pyStrip(s).replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "$", with: "")
        while t.hasSuffix(".") { t.removeLast() }
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") }) else { return nil }
        return Double(t)
    }

    /// Whether an extracted answer equals the gold answer in the given mode.
    public static func isCorrect(extracted: String, gold: String, mode: Mode) -> Bool {
        switch mode {
        case .lmEval:
            return lmEvalNormalize(extracted) == lmEvalNormalize(gold)
        case .default:
            guard extracted != invalid else { return false }
            if let a = numericValue(extracted), let b = numericValue(gold) {
                return abs(a - b) <= 1e-9 * max(1, abs(b))
            }
            return lmEvalNormalize(extracted) == lmEvalNormalize(gold)
        }
    }

    /// Extracts from a completion and compares with the gold answer (already extracted from `####`).
    /// In lm-eval mode `extraction` chooses strict or flexible; default mode has one extraction.
    public static func check(completion: String, gold: String, mode: Mode, flexible: Bool = false) -> (extracted: String, correct: Bool) {
        let extracted: String
        switch mode {
        case .lmEval: extracted = flexible ? flexibleExtract(completion) : strictExtract(completion)
        case .default: extracted = extract(completion)
        }
        return (extracted, isCorrect(extracted: extracted, gold: gold, mode: mode))
    }

    /// The voting key for maj1@k: normalised text (lm-eval) or the canonical number (default).
    public static func voteKey(_ answer: String, mode: Mode) -> String {
        switch mode {
        case .lmEval: return lmEvalNormalize(answer)
        case .default:
            if let v = numericValue(answer) { return v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
            return lmEvalNormalize(answer)
        }
    }
}

/// Python's `str.strip()` (whitespace per `str.isspace`).
func pyStrip(_ s: String) -> String {
    var sub = Substring(s)
    while let f = sub.first, f.isWhitespace { sub.removeFirst() }
    while let l = sub.last, l.isWhitespace { sub.removeLast() }
    return String(sub)
}
