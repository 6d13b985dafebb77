import Foundation
import Testing
@testable import Sandbox

/// A wrong solution plus a trick that made it pass when the tests shared the candidate's namespace and state.
/// Each runs in HumanEval form (prompt + completion, `check(candidate)`) and in MBPP form (completion + asserts),
/// assembled by `ProofOfPass.humanEval` / `ProofOfPass.mbpp` exactly as evaluations do. `open` marks a class the
/// harness does not close (docs/sandbox.md, "Verdict integrity"): its test asserts the current outcome, a pass.
struct FakePass: Sendable, CustomTestStringConvertible {
    let name: String
    /// Top-level code after the function.
    let trick: String
    /// The function's (wrong) body, indented by four spaces after its first line.
    let body: String
    /// Assertions, calling the function as `F`.
    let asserts: [String]
    var open = false
    var testDescription: String { name }

    var humanEval: String {
        let test = "import math\n\ndef check(candidate):\n"
            + asserts.map { "    assert " + $0.replacingOccurrences(of: "F(", with: "candidate(") + "\n" }.joined()
        return ProofOfPass.humanEval(prompt: "def F(a, b):\n    \"\"\"Return a + b.\"\"\"\n",
                                     completion: "    " + body + "\n\n" + trick, test: test, entryPoint: "F")
    }

    var mbpp: String {
        ProofOfPass.mbpp(setup: "", completion: "def F(a, b):\n    " + body + "\n\n" + trick + "\n",
                         tests: (["import math"] + asserts.map { "assert " + $0 }).joined(separator: "\n"),
                         reference: "def F(a, b):\n    return a + b\n")
    }
}

private let alwaysEqual = "class E:\n    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n"
/// Walks from a frame to the harness's frame and writes its key: a pass if any frame is reachable.
private let stealKey = "def steal(f):\n    import os\n    while f is not None:\n        k = f.f_locals.get('key')\n        if type(k) is bytes:\n            os.write(4, k)\n            os._exit(0)\n        f = f.f_back\n"

let fakePasses: [FakePass] = [
    FakePass(name: "rebind builtins.abs", trick: "import builtins\nbuiltins.abs = lambda x: 0\n",
             body: "return 0",
             asserts: ["abs(F(1, 2) - 3) < 1e-9"]),
    FakePass(name: "patch len through __builtins__", trick: "b = __builtins__\nb = b if type(b) is dict else b.__dict__\nb['len'] = lambda x: 3\n",
             body: "return 'x'",
             asserts: ["len(F('a', 'bc')) == 3"]),
    FakePass(name: "shadow isinstance with a global", trick: "def isinstance(*args):\n    return True\n",
             body: "return 'wrong'",
             asserts: ["isinstance(F(1, 2), int)"]),
    FakePass(name: "rebind builtins.sorted", trick: "import builtins\nbuiltins.sorted = lambda x, **k: [1, 2, 3]\n",
             body: "return [3, 1]",
             asserts: ["sorted(F(1, 2)) == [1, 2, 3]"]),
    FakePass(name: "rebind builtins.round", trick: "import builtins\nbuiltins.round = lambda x, n=None: 0.3\n",
             body: "return 7",
             asserts: ["round(F(0.1, 0.2), 6) == 0.3"]),
    FakePass(name: "patch math.isclose", trick: "import math\nmath.isclose = lambda *a, **k: True\n",
             body: "return 0",
             asserts: ["math.isclose(F(2.5, 2.5), 5.0)"]),
    FakePass(name: "patch math.isclose during a call", trick: "",
             body: "import math\n    math.isclose = lambda *a, **k: True\n    return 0",
             asserts: ["F(0, 0) == 0", "math.isclose(F(2.5, 2.5), 5.0)"]),
    FakePass(name: "replace math in sys.modules", trick: "import sys, types\nfake = types.ModuleType('math')\nfake.isclose = lambda *a, **k: True\nsys.modules['math'] = fake\n",
             body: "return 0",
             asserts: ["math.isclose(F(2.5, 2.5), 5.0)"]),
    FakePass(name: "object whose __eq__ is always True", trick: alwaysEqual,
             body: "return E()",
             asserts: ["F(1, 2) == 3"]),
    FakePass(name: "int subclass whose __eq__ is always True", trick: "class W(int):\n    __eq__ = lambda self, other: True\n    __hash__ = int.__hash__\n",
             body: "return W(0)",
             asserts: ["F(1, 2) == 3", "isinstance(F(1, 2), int)"]),
    FakePass(name: "always-equal object inside a list", trick: alwaysEqual,
             body: "return [E()]",
             asserts: ["F(1, 2) == [3]"]),
    FakePass(name: "unittest.mock.ANY", trick: "",
             body: "from unittest.mock import ANY\n    return ANY",
             asserts: ["F(1, 2) == 3"]),
    FakePass(name: "patch Counter.__eq__", trick: "import collections\ncollections.Counter.__eq__ = lambda self, other: True\n",
             body: "import collections\n    return collections.Counter('zz')",
             asserts: ["F(1, 2) == {'a': 3}"]),
    FakePass(name: "sys.settrace swaps the function under test", trick: "import sys\ndef tr(frame, event, arg):\n    frame.f_globals.update(F=lambda a, b: a + b) if frame.f_code.co_name == '<module>' else None\n    if frame.f_code.co_name == 'check':\n        frame.f_locals['candidate'] = lambda a, b: a + b\n    return tr\nsys.settrace(tr)\nsys._getframe().f_trace = tr\n",
             body: "return 0",
             asserts: ["F(1, 2) == 3"]),
    FakePass(name: "sys.setprofile swaps the function under test", trick: "import sys\ndef pr(frame, event, arg):\n    if frame.f_code.co_name == 'check':\n        frame.f_locals['candidate'] = lambda a, b: a + b\n    if event == 'c_call' and frame.f_code.co_name == '<module>':\n        frame.f_globals['F'] = lambda a, b: a + b\nsys.setprofile(pr)\n",
             body: "return 0",
             asserts: ["str(1) == '1'", "F(1, 2) == 3"]),
    FakePass(name: "frame walk rewrites the tests' globals", trick: "",
             body: "import sys\n    g = sys._getframe(1).f_globals\n    b = g['__builtins__']\n    (b if type(b) is dict else b.__dict__)['abs'] = lambda x: 0\n    return 0",
             asserts: ["F(0, 0) == 0", "abs(F(1, 2) - 3) < 1e-9"]),
    FakePass(name: "frame walk steals the proof key", trick: stealKey,
             body: "import sys\n    steal(sys._getframe())",
             asserts: ["F(1, 2) == 3"]),
    FakePass(name: "traceback frame steals the proof key", trick: stealKey,
             body: "try:\n        raise ValueError\n    except ValueError as e:\n        steal(e.__traceback__.tb_frame)",
             asserts: ["F(1, 2) == 3"]),
    FakePass(name: "gc finds the tests' namespace", trick: "",
             body: "import gc\n    for o in gc.get_objects():\n        if type(o) is dict and '__builtins__' in o and 'F' in o or type(o) is dict and 'check' in o:\n            b = o['__builtins__']\n            (b if type(b) is dict else b.__dict__)['abs'] = lambda x: 0\n    return 0",
             asserts: ["F(0, 0) == 0", "abs(F(1, 2) - 3) < 1e-9"]),
    FakePass(name: "signal handler frame steals the proof key", trick: stealKey,
             body: "import signal, os\n    signal.signal(signal.SIGUSR1, lambda s, f: steal(f))\n    os.kill(os.getpid(), signal.SIGUSR1)\n    return 0",
             asserts: ["F(1, 2) == 3"]),
    FakePass(name: "fresh _signal module steals the proof key", trick: stealKey,
             body: "import os, _imp, importlib.machinery\n    spec = importlib.machinery.ModuleSpec('_signal', importlib.machinery.BuiltinImporter)\n    raw = _imp.create_builtin(spec)\n    raw.signal(10, lambda s, f: steal(f))\n    os.kill(os.getpid(), 10)\n    return 0",
             asserts: ["F(1, 2) == 3"]),
    FakePass(name: "thread keeps patching builtins and math", trick: "import threading, builtins, math, time\ndef patch():\n    while True:\n        builtins.abs = lambda x: 0\n        math.isclose = lambda *a, **k: True\n        time.sleep(0.0005)\nthreading.Thread(target=patch, daemon=True).start()\ntime.sleep(0.01)\n",
             body: "return 0",
             asserts: ["math.isclose(F(2.5, 2.5), 5.0)", "abs(F(1, 2) - 3) < 1e-9"]),
    FakePass(name: "SystemExit(0) raised during the tests", trick: "",
             body: "raise SystemExit(0)",
             asserts: ["F(1, 2) == 3"]),
    FakePass(name: "BaseException subclass raised during the tests", trick: "class Skip(BaseException):\n    pass\n",
             body: "raise Skip()",
             asserts: ["F(1, 2) == 3"]),
    FakePass(name: "generator patches math after the guard", trick: "",
             body: "import math\n    def g():\n        math.isclose = lambda *a, **k: True\n        yield 3\n    return g()",
             asserts: ["list(F(1, 2)) == [3]", "math.isclose(F(2.5, 2.5), 5.0)"], open: true),
]

/// The right answers, through the same assembly: the tricks fail because of the guard, not because of the frame.
let honest = FakePass(name: "honest solution", trick: "import math\nfrom typing import List\n", body: "return a + b",
                      asserts: ["F(1, 2) == 3", "abs(F(0.5, 0.25) - 0.75) < 1e-9", "math.isclose(F(2.5, 2.5), 5.0)",
                                "isinstance(F(1, 1), int)", "sorted([F(3, 3), F(1, 1)]) == [2, 6]",
                                "round(F(0.1, 0.2), 6) == 0.3"])

enum Form: String, CaseIterable, Sendable { case humanEval, mbpp }

func judge(_ f: FakePass, _ form: Form, run: (Program, Limits) async -> Execution) async -> Execution {
    let source = form == .humanEval ? f.humanEval : f.mbpp
    return await run(Program(source: source, requireProof: true), Limits(wallSeconds: 5, memoryBytes: 512 << 20))
}

@Suite("Verdict integrity (fake passes)", .serialized)
struct VerdictIntegrityTests {
    @Test("fake pass, launcher per run", arguments: fakePasses, Form.allCases)
    func fakePass(_ f: FakePass, _ form: Form) async {
        let e = await judge(f, form) { await Runner().run($0, limits: $1) }
        check(f, form, e)
    }

    @Test("fake pass, zygote", arguments: fakePasses, Form.allCases)
    func fakePassThroughZygote(_ f: FakePass, _ form: Form) async {
        let e = await judge(f, form) { await zygotePools[.strict]!.run($0, limits: $1) }
        #expect(e.layers.contains("zygote"), "\(f.name) did not run in the zygote")
        check(f, form, e)
    }

    func check(_ f: FakePass, _ form: Form, _ e: Execution) {
        if f.open {
            #expect(e.status == .passed, "open class \(f.name) (\(form)) now \(e.status): close it in the docs too")
        } else {
            #expect(e.status != .passed, "\(f.name) (\(form)) passed: \(e.stderr.suffix(300))")
            #expect(e.status == .failed, "\(f.name) (\(form)): \(e.status) \(e.stderr.suffix(300))")
        }
    }

    @Test("an honest solution passes in both forms and both paths", arguments: Form.allCases)
    func honestPasses(_ form: Form) async {
        let direct = await judge(honest, form) { await Runner().run($0, limits: $1) }
        #expect(direct.status == .passed, "\(direct.stderr.suffix(400))")
        let zygote = await judge(honest, form) { await zygotePools[.strict]!.run($0, limits: $1) }
        #expect(zygote.status == .passed, "\(zygote.stderr.suffix(400))")
        let wrong = FakePass(name: "wrong", trick: "", body: "return a - b", asserts: honest.asserts)
        #expect(await judge(wrong, form) { await Runner().run($0, limits: $1) }.status == .failed)
    }

    /// Runs use the precompiled harness on CPython 3.11: it must be the script, compiled (scripts/verdict-guard-bytecode).
    @Test func precompiledHarnessIsTheScript() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", """
            import sys, marshal, binascii
            if sys.implementation.cache_tag != 'cpython-311': print('skip'); raise SystemExit
            print(binascii.b2a_base64(marshal.dumps(compile(sys.stdin.read(), '<harness>', 'exec')), newline=False).decode())
            """]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        input.fileHandleForWriting.write(Data(VerdictGuard.script.utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let compiled = text.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(compiled != "skip", "the sandbox's python3 is not 3.11")
        #expect(compiled == VerdictGuard.bytecode.filter { !$0.isWhitespace }, "run scripts/verdict-guard-bytecode")
    }

    @Test func atLeastFifteenClasses() {
        #expect(fakePasses.filter { !$0.open }.count >= 15)
    }
}
