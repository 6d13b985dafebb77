import Foundation

/// A small LaTeX-math expression language: enough for the final answers of MATH and GSM8k
/// (numbers, `\frac`/`\dfrac`/`\tfrac` including `\frac12`, `\sqrt[n]{}`/`\sqrt2`, powers, `\pi`, `\cdot`,
/// `\times`, `\div`, implicit multiplication, `\left`/`\right`, factorials, common functions, variables).
/// Parsed into a tree and evaluated numerically; equivalence of expressions with variables is decided by
/// evaluating both sides at several fixed pseudo-random points.
indirect enum MathExpr: Equatable {
    case number(Double)
    case variable(String)
    case neg(MathExpr)
    case add(MathExpr, MathExpr)
    case sub(MathExpr, MathExpr)
    case mul(MathExpr, MathExpr)
    case div(MathExpr, MathExpr)
    case pow(MathExpr, MathExpr)
    case root(MathExpr, degree: MathExpr)
    case fact(MathExpr)
    case call(String, MathExpr)

    var variables: Set<String> {
        switch self {
        case .number: return []
        case .variable(let v): return [v]
        case .neg(let a), .fact(let a), .call(_, let a): return a.variables
        case .add(let a, let b), .sub(let a, let b), .mul(let a, let b), .div(let a, let b), .pow(let a, let b):
            return a.variables.union(b.variables)
        case .root(let a, let d): return a.variables.union(d.variables)
        }
    }

    func evaluate(_ env: [String: Double]) -> Double {
        switch self {
        case .number(let v): return v
        case .variable(let v): return env[v] ?? .nan
        case .neg(let a): return -a.evaluate(env)
        case .add(let a, let b): return a.evaluate(env) + b.evaluate(env)
        case .sub(let a, let b): return a.evaluate(env) - b.evaluate(env)
        case .mul(let a, let b): return a.evaluate(env) * b.evaluate(env)
        case .div(let a, let b): return a.evaluate(env) / b.evaluate(env)
        case .pow(let a, let b):
            let x = a.evaluate(env), y = b.evaluate(env)
            if x < 0 && y != y.rounded() {
                // Odd roots of negatives written as powers, e.g. (-8)^{1/3}.
                let inv = 1 / y
                if abs(inv - inv.rounded()) < 1e-9 && Int(inv.rounded()) % 2 != 0 { return -Foundation.pow(-x, y) }
            }
            return Foundation.pow(x, y)
        case .root(let a, let d):
            let x = a.evaluate(env), n = d.evaluate(env)
            if n == 2 { return x.squareRoot() }
            if x < 0 && n == n.rounded() && Int(n) % 2 != 0 { return -Foundation.pow(-x, 1 / n) }
            return Foundation.pow(x, 1 / n)
        case .fact(let a):
            let x = a.evaluate(env)
            guard x >= 0, x == x.rounded(), x <= 170 else { return .nan }
            return (1...max(1, Int(x))).reduce(1.0) { $0 * Double($1) }
        case .call(let f, let a):
            let x = a.evaluate(env)
            switch f {
            case "sin": return sin(x)
            case "cos": return cos(x)
            case "tan": return tan(x)
            case "cot": return 1 / tan(x)
            case "sec": return 1 / cos(x)
            case "csc": return 1 / sin(x)
            case "arcsin": return asin(x)
            case "arccos": return acos(x)
            case "arctan": return atan(x)
            case "ln": return Foundation.log(x)
            case "log": return log10(x)
            case "exp": return Foundation.exp(x)
            case "abs": return abs(x)
            default: return .nan
            }
        }
    }
}

struct LatexParseError: Error {}

/// Scannerless recursive-descent parser over the characters of a normalised answer.
struct LatexExpressionParser {
    private let c: [Character]
    private var i = 0
    private var depth = 0
    private static let maxDepth = 100
    private static let functions: Set<String> = ["sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos",
                                                   "arctan", "ln", "log", "exp"]
    private static let greek: Set<String> = ["alpha", "beta", "gamma", "delta", "theta", "lambda", "mu", "phi",
                                             "omega", "sigma", "tau", "rho", "epsilon", "varphi", "psi", "eta", "xi"]

    init(_ text: String) { c = Array(text) }

    static func parse(_ text: String) throws -> MathExpr {
        guard text.count <= 2000 else { throw LatexParseError() }
        var p = LatexExpressionParser(text)
        let e = try p.expr()
        p.skipSpace()
        guard p.i == p.c.count else { throw LatexParseError() }
        return e
    }

    mutating func skipSpace() {
        while i < c.count {
            if c[i] == " " || c[i] == "\t" || c[i] == "\n" { i += 1; continue }
            // Spacing commands and sizing wrappers carry no meaning.
            if c[i] == "\\", i + 1 < c.count, ",;:! ".contains(c[i + 1]) { i += 2; continue }
            if peekCommand(in: ["left", "right", "displaystyle", "big", "Big", "bigl", "bigr", "Bigl", "Bigr"]) != nil {
                let name = readCommand()!
                _ = name
                continue
            }
            break
        }
    }

    func peek() -> Character? { i < c.count ? c[i] : nil }

    /// The name of the command at the cursor if it is one of `names`.
    func peekCommand(in names: Set<String>) -> String? {
        guard i < c.count, c[i] == "\\" else { return nil }
        var j = i + 1
        var name = ""
        while j < c.count, c[j].isLetter { name.append(c[j]); j += 1 }
        return names.contains(name) ? name : nil
    }

    mutating func readCommand() -> String? {
        guard i < c.count, c[i] == "\\" else { return nil }
        var j = i + 1
        var name = ""
        while j < c.count, c[j].isLetter { name.append(c[j]); j += 1 }
        if name.isEmpty, j < c.count { name = String(c[j]); j += 1 }
        i = j
        return name
    }

    mutating func enter() throws {
        depth += 1
        if depth > Self.maxDepth { throw LatexParseError() }
    }

    mutating func expr() throws -> MathExpr {
        try enter(); defer { depth -= 1 }
        skipSpace()
        var lhs = try term()
        while true {
            skipSpace()
            guard let ch = peek() else { return lhs }
            if ch == "+" { i += 1; lhs = .add(lhs, try term()) }
            else if ch == "-" { i += 1; lhs = .sub(lhs, try term()) }
            else { return lhs }
        }
    }

    mutating func term() throws -> MathExpr {
        try enter(); defer { depth -= 1 }
        var lhs = try unary()
        while true {
            skipSpace()
            guard let ch = peek() else { return lhs }
            if ch == "*" { i += 1; lhs = .mul(lhs, try unary()); continue }
            if ch == "/" { i += 1; lhs = .div(lhs, try unary()); continue }
            if let cmd = peekCommand(in: ["cdot", "times", "div"]) {
                _ = readCommand()
                let rhs = try unary()
                lhs = cmd == "div" ? .div(lhs, rhs) : .mul(lhs, rhs)
                continue
            }
            if startsAtom() { lhs = .mul(lhs, try power()); continue }
            return lhs
        }
    }

    func startsAtom() -> Bool {
        guard let ch = peek() else { return false }
        if ch.isNumber || ch.isLetter || ch == "(" || ch == "{" || ch == "[" || ch == "." { return true }
        if ch == "\\" {
            return peekCommand(in: ["cdot", "times", "div", "right", "end"]) == nil && i + 1 < c.count && c[i + 1].isLetter
        }
        return false
    }

    mutating func unary() throws -> MathExpr {
        try enter(); defer { depth -= 1 }
        skipSpace()
        if peek() == "-" { i += 1; return .neg(try unary()) }
        if peek() == "+" { i += 1; return try unary() }
        return try power()
    }

    mutating func power() throws -> MathExpr {
        try enter(); defer { depth -= 1 }
        var base = try postfix()
        skipSpace()
        if peek() == "^" {
            i += 1
            skipSpace()
            let exponent: MathExpr
            if peek() == "{" { exponent = try group() }
            else if peek() == "-" { i += 1; exponent = .neg(try postfix()) }
            else { exponent = try singleCharOrAtom() }
            base = .pow(base, exponent)
            skipSpace()
            if peek() == "!" { i += 1; base = .fact(base) }
        }
        return base
    }

    mutating func postfix() throws -> MathExpr {
        var a = try atom()
        while peek() == "!" { i += 1; a = .fact(a) }
        return a
    }

    /// `{…}` as an expression.
    mutating func group() throws -> MathExpr {
        skipSpace()
        guard peek() == "{" else { throw LatexParseError() }
        i += 1
        let e = try expr()
        skipSpace()
        guard peek() == "}" else { throw LatexParseError() }
        i += 1
        return e
    }

    /// A TeX macro argument: `{…}` or a single token (`\frac12`, `x^2`).
    mutating func singleCharOrAtom() throws -> MathExpr {
        skipSpace()
        guard let ch = peek() else { throw LatexParseError() }
        if ch == "{" { return try group() }
        if ch.isNumber { i += 1; return .number(Double(String(ch))!) }
        if ch.isLetter { i += 1; return .variable(String(ch)) }
        return try atom()
    }

    mutating func atom() throws -> MathExpr {
        try enter(); defer { depth -= 1 }
        skipSpace()
        guard let ch = peek() else { throw LatexParseError() }
        if ch.isNumber || ch == "." { return try number() }
        if ch == "(" || ch == "[" || ch == "{" {
            let close: Character = ch == "(" ? ")" : (ch == "[" ? "]" : "}")
            i += 1
            let e = try expr()
            skipSpace()
            guard peek() == close else { throw LatexParseError() }
            i += 1
            return e
        }
        if ch == "|" {
            i += 1
            let e = try expr()
            skipSpace()
            guard peek() == "|" else { throw LatexParseError() }
            i += 1
            return .call("abs", e)
        }
        if ch.isLetter {
            i += 1
            var name = String(ch)
            if peek() == "_" { name += try subscriptText() }
            return .variable(name)
        }
        if ch == "\\" {
            guard let cmd = readCommand() else { throw LatexParseError() }
            switch cmd {
            case "frac", "dfrac", "tfrac", "cfrac":
                let num = try singleCharOrAtom()
                let den = try singleCharOrAtom()
                return .div(num, den)
            case "sqrt":
                skipSpace()
                var degree = MathExpr.number(2)
                if peek() == "[" {
                    i += 1
                    degree = try expr()
                    skipSpace()
                    guard peek() == "]" else { throw LatexParseError() }
                    i += 1
                }
                return .root(try singleCharOrAtom(), degree: degree)
            case "pi": return .number(Double.pi)
            case "infty", "infin": return .number(.infinity)
            case "text", "textbf", "mathrm", "mathbf", "operatorname", "mbox":
                // A word in text mode is a variable-like symbol (`\text{cm}` should already be stripped).
                skipSpace()
                guard peek() == "{" else { throw LatexParseError() }
                i += 1
                var word = ""
                while let d = peek(), d != "}" { word.append(d); i += 1 }
                guard peek() == "}" else { throw LatexParseError() }
                i += 1
                let trimmed = word.trimmingCharacters(in: .whitespaces)
                if let v = Double(trimmed) { return .number(v) }
                if Self.functions.contains(trimmed) { return .call(trimmed, try power()) }
                guard !trimmed.isEmpty else { throw LatexParseError() }
                return .variable(trimmed)
            case "lvert", "vert":
                let e = try expr()
                skipSpace()
                guard let close = readCommand(), close == "rvert" || close == "vert" else { throw LatexParseError() }
                return .call("abs", e)
            default:
                if Self.functions.contains(cmd) {
                    skipSpace()
                    if peek() == "^" {
                        // \sin^2 x
                        i += 1
                        let e = try singleCharOrAtom()
                        return .pow(.call(cmd, try power()), e)
                    }
                    return .call(cmd, try power())
                }
                if Self.greek.contains(cmd) { return .variable("\\" + cmd) }
                throw LatexParseError()
            }
        }
        throw LatexParseError()
    }

    mutating func subscriptText() throws -> String {
        i += 1
        guard let ch = peek() else { throw LatexParseError() }
        if ch == "{" {
            var s = "_{"
            i += 1
            while let d = peek(), d != "}" { s.append(d); i += 1 }
            guard peek() == "}" else { throw LatexParseError() }
            i += 1
            return s + "}"
        }
        i += 1
        return "_" + String(ch)
    }

    mutating func number() throws -> MathExpr {
        var s = ""
        while let ch = peek(), ch.isASCII, ch.isNumber || ch == "." {
            s.append(ch)
            i += 1
        }
        guard let v = Double(s), s.filter({ $0 == "." }).count <= 1 else { throw LatexParseError() }
        return .number(v)
    }
}

enum NumericComparison {
    /// Fixed evaluation points, so results never depend on a run.
    static let points: [Double] = [1.3179, 2.0713, 0.6241, 1.7787]

    /// Overflowed values prove nothing (9^{9^{9}} and 9^{9^{9}}+1 are both inf), so they never compare equal;
    /// a literal `\infty` is matched by string comparison before numbers are tried.
    static func close(_ a: Double, _ b: Double, rel: Double = 1e-9) -> Bool {
        if !a.isFinite || !b.isFinite { return false }
        return abs(a - b) <= rel * max(1, abs(a), abs(b))
    }

    /// Expressions are equal if they agree at every point where both are finite, and there is at least one.
    static func equal(_ a: MathExpr, _ b: MathExpr) -> Bool {
        let vars = Array(a.variables.union(b.variables)).sorted()
        if vars.isEmpty {
            let x = a.evaluate([:]), y = b.evaluate([:])
            guard !x.isNaN, !y.isNaN else { return false }
            return close(x, y)
        }
        var compared = 0
        for (k, base) in points.enumerated() {
            var env: [String: Double] = [:]
            for (j, v) in vars.enumerated() { env[v] = base + 0.377 * Double((j + k) % 5) + 0.0137 * Double(j) }
            let x = a.evaluate(env), y = b.evaluate(env)
            if x.isNaN && y.isNaN { continue }
            guard close(x, y, rel: 1e-7) else { return false }
            compared += 1
        }
        return compared > 0
    }
}
