import Foundation
import Synchronization

/// Makes "passed" require proof that a harness's epilogue ran to the end.
///
/// The launcher puts a fresh random key on fd 3 (readable once) and reports whether exactly that key arrived on
/// fd 4. `wrap` turns a program into one that reads and closes fd 3 before any candidate code runs, executes the
/// original program text unchanged (human-eval semantics: one namespace, `__name__ == "__main__"`), and writes
/// the key only after it returns normally. `sys.exit(0)`, `os._exit(0)`, `raise SystemExit` at import, a
/// `finally: os._exit(0)` or a killed thread therefore end without the key and are not passes.
///
/// `wrap` keeps everything in one namespace; it is for programs without a separate test part. Benchmark programs go
/// through `judge` (HumanEval, MBPP), which also keeps the verdict from depending on state the candidate can change
/// (see `VerdictGuard.script` and docs/sandbox.md, "Verdict integrity").
public enum ProofOfPass {
    public static func wrap(_ program: String) -> String {
        let literal = pythonStringLiteral(program)
        return """
        def __codeeval_main():
            import os, sys
            key = os.read(3, 64)
            os.close(3)
            write = os.write
            namespace = {"__name__": "__main__", "__builtins__": __builtins__}
            exec(compile(\(literal), "<program>", "exec"), namespace)
            write(4, key)
        __codeeval_main()

        """
    }

    /// A judged program: the candidate's code runs in a namespace of its own, then the tests run in a fresh one
    /// against the builtins and modules as they were before the candidate ran, seeing only `entries` (guarded) and
    /// the other names they use from the candidate's namespace; `trusted` (dataset code the tests call, e.g. a
    /// HumanEval prompt's helpers) runs before the candidate, in a namespace of its own. `asMain`: the candidate
    /// runs with `__name__ == "__main__"` (human-eval), else with no `__name__` of its own (EvalPlus).
    /// `trustedGlobals`: names the trusted code starts with, each a Python expression (large data is passed this
    /// way rather than inside `trusted`, where it would be escaped and compiled twice).
    public static func judge(candidate: String, test: String, trusted: String?, trustedGlobals: [(String, String)] = [],
                             entries: [String], asMain: Bool = true) -> String {
        let lit = pythonStringLiteral
        let names = { (xs: [String]) in "(" + xs.map(lit).joined(separator: ", ") + (xs.count == 1 ? ",)" : ")") }
        let trustedArgument = trusted.map { code in
            trustedGlobals.isEmpty ? lit(code)
                : "(" + lit(code) + ", {" + trustedGlobals.map { lit($0.0) + ": " + $0.1 }.joined(separator: ", ") + "})"
        }
        return VerdictGuard.loader + "__codeeval_judge(" + [lit(candidate), lit(test), trustedArgument ?? "None",
            names(entries), names(moduleNames(test))].joined(separator: ", ") + (asMain ? "" : ", False") + ")\n"
    }

    /// HumanEval's program (`prompt + completion + "\n" + test + "\n" + "check(" + entry_point + ")"`) as a judged
    /// one: the prompt is trusted code too when the tests call something it defines besides the entry point.
    public static func humanEval(prompt: String, completion: String, test: String, entryPoint: String) -> String {
        let helpers = matches(#"(?m)^(?:def|class)\s+(\w+)|^import\s+(\w+)"#, prompt).filter { $0 != entryPoint }
        let usesHelpers = helpers.contains { !matches(#"\b"# + $0 + #"\b"#, test, group: 0).isEmpty }
        return judge(candidate: prompt + completion, test: test + "\n" + "check(" + entryPoint + ")",
                     trusted: usesHelpers ? prompt : nil, entries: [entryPoint])
    }

    /// MBPP's program (`completion + "\n" + tests`, optionally after the setup code) as a judged one; the functions
    /// the reference solution defines are the ones the tests call.
    public static func mbpp(setup: String, completion: String, tests: String, reference: String) -> String {
        judge(candidate: setup + completion, test: tests, trusted: nil,
              entries: matches(#"(?m)^def\s+(\w+)"#, reference))
    }

    /// Names the tests may use as modules (imported, or used as `name.`): loaded before the candidate runs, so
    /// their state before it is known. The harness keeps only standard-library names.
    static func moduleNames(_ test: String) -> [String] {
        let found = matches(#"(?<![\w.])([A-Za-z_]\w*)\s*\."#, test)
            + matches(#"(?m)^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))"#, test)
        return Array(Set(found)).sorted()
    }

    /// Every non-empty capture group (or the whole match, group 0) of every match.
    static func matches(_ pattern: String, _ text: String, group: Int? = nil) -> [String] {
        guard let re = regex(pattern) else { return [] }
        let ns = text as NSString
        return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).flatMap { m -> [String] in
            let groups = group.map { [$0] } ?? Array(1..<max(m.numberOfRanges, 2))
            return groups.compactMap { g in
                g < m.numberOfRanges && m.range(at: g).location != NSNotFound ? ns.substring(with: m.range(at: g)) : nil
            }
        }
    }

    /// Compiled once per pattern: every judged program uses the same few.
    private static let compiled = Mutex<[String: NSRegularExpression]>([:])

    static func regex(_ pattern: String) -> NSRegularExpression? {
        if let re = compiled.withLock({ $0[pattern] }) { return re }
        guard let re = try? NSRegularExpression(pattern: pattern) else { return nil }
        compiled.withLock { $0[pattern] = re }
        return re
    }

    /// A Python string literal holding `s` exactly (escape every non-printable or non-ASCII scalar).
    public static func pythonStringLiteral(_ s: String) -> String {
        var out = "'"
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value >= 0x20 && scalar.value < 0x7F {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value <= 0xFFFF {
                    let h = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    let h = String(scalar.value, radix: 16)
                    out += "\\U" + String(repeating: "0", count: 8 - h.count) + h
                }
            }
        }
        return out + "'"
    }
}
