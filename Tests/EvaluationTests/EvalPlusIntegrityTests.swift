import Datasets
import Foundation
import Sandbox
import Testing
@testable import Evaluation

/// Fake passes in EvalPlus form: a wrong solution plus a trick that made it pass while the harness compared
/// outputs in the candidate's own interpreter state (docs/sandbox.md, "Verdict integrity"). Each runs as a
/// HumanEval+ solution (HumanEval/0) and as an MBPP+ solution (Mbpp/2) where the trick applies to both.
struct PlusFakePass: Sendable, CustomTestStringConvertible {
    let name: String
    /// Top-level code before the function.
    let trick: String
    /// The function's (wrong) body, indented by four spaces after its first line.
    let body: String
    var mbppOnly = false
    var testDescription: String { name }

    func solution(_ entryPoint: String) -> String {
        trick + "\ndef " + entryPoint + "(*args):\n    " + body + "\n"
    }
}

private let alwaysEqual = "class E:\n    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n"
/// Walks the frames from `f` for the harness's report function and key, and writes a passing report with the key.
private let forgeReport = """
import os
def forge(f):
    emit = key = None
    while f is not None:
        for d in (f.f_locals, f.f_globals):
            emit = d.get('emit', emit)
            key = d.get('key', key) if type(d.get('key')) is bytes else key
        f = f.f_back
    if emit is not None and key is not None:
        emit({'status': 'pass', 'done': 1, 'failed': [], 'errors': []})
        os.write(4, key)
        os._exit(0)

"""

let plusFakePasses: [PlusFakePass] = [
    PlusFakePass(name: "always-equal object", trick: alwaysEqual, body: "return E()"),
    PlusFakePass(name: "int subclass equal to everything", trick: "class W(int):\n    __eq__ = lambda self, other: True\n    __hash__ = int.__hash__\n",
                 body: "return W(0)"),
    PlusFakePass(name: "rebind builtins.bool so every comparison holds", trick: "import builtins\nbuiltins.bool = lambda x=False: True\n",
                 body: "return None"),
    PlusFakePass(name: "rebind builtins.set for the set-equality oracle", trick: "import builtins\nbuiltins.set = lambda x=(): frozenset()\n",
                 body: "return [0]", mbppOnly: true),
    PlusFakePass(name: "frame walk forges the report and the key", trick: forgeReport,
                 body: "import sys\n    forge(sys._getframe())"),
    PlusFakePass(name: "signal handler frame forges the report and the key", trick: forgeReport,
                 body: "import signal, os\n    signal.signal(signal.SIGUSR1, lambda s, f: forge(f))\n    os.kill(os.getpid(), signal.SIGUSR1)"),
    PlusFakePass(name: "tracer rewrites the harness's status", trick: """
        import sys
        def tr(frame, event, arg):
            for d in (frame.f_locals, frame.f_globals):
                if 'status' in d and 'failed' in d and 'errors' in d:
                    d['status'] = 'pass'
                    d['failed'][:] = []
                    d['errors'][:] = []
            return tr
        sys.settrace(tr)
        f = sys._getframe()
        while f is not None:
            f.f_trace = tr
            f = f.f_back

        """, body: "return None"),
    PlusFakePass(name: "gc finds the expected outputs and blanks them", trick: "",
                 body: "import gc\n    for o in gc.get_objects():\n        if type(o) is dict and type(o.get('expected')) is list and 'inputs' in o:\n            o['expected'][:] = [None] * len(o['expected'])\n    return None"),
]

@Suite("EvalPlus verdict integrity (fake passes)", .serialized)
struct EvalPlusIntegrityTests {
    static let tasks: [PlusTask] = {
        guard let store = try? mirrorStore() else { return [] }
        let he = (try? PlusTasks.load(.humanevalPlusMini, store: store))?.filter { $0.taskID == "HumanEval/0" } ?? []
        let mbpp = (try? PlusTasks.load(.mbppPlus, store: store))?.filter { $0.taskID == "Mbpp/2" } ?? []
        return he + mbpp
    }()

    @Test("fake passes fail in HumanEval+ and MBPP+ form, through launchers and zygotes", arguments: [false, true])
    func fakePasses(zygote: Bool) async throws {
        let tasks = Self.tasks
        try #require(tasks.count == 2, "HumanEval+ Mini and MBPP+ are needed")
        let pool = RunnerPool(width: 2, zygote: zygote)
        let truth = try await EvalPlus.groundTruth(tasks: tasks, pool: pool, settings: PlusSettings())
        var samples: [Sample] = [], names: [String] = []
        for (t, task) in tasks.enumerated() {
            for f in plusFakePasses where !(t == 0 && f.mbppOnly) {
                samples.append(Sample(line: samples.count + 1, taskID: task.taskID, completion: "",
                                      fields: JSONObject([("task_id", .string(task.taskID)),
                                                          ("solution", .string(f.solution(task.entryPoint)))])))
                names.append("\(f.name) (\(task.taskID))")
            }
        }
        let (_, outcomes, _) = try await EvalPlus.evaluate(samples: samples, tasks: tasks, benchmark: "t", ks: [1],
                                                           pool: pool, groundTruth: truth)
        for (name, o) in zip(names, outcomes) {
            #expect(o[.base]?.status == "fail", "\(name) base: \(String(describing: o[.base]))")
            #expect(o[.plus]?.status == "fail", "\(name) plus: \(String(describing: o[.plus]))")
        }
        // The right answer, through the same path: the tricks fail because of the guard.
        let canonical = EvalPlus.canonicalSamples(tasks)
        let (_, good, _) = try await EvalPlus.evaluate(samples: canonical, tasks: tasks, benchmark: "t", ks: [1],
                                                       pool: pool, groundTruth: truth)
        #expect(good.allSatisfy { $0[.base]?.status == "pass" && $0[.plus]?.status == "pass" }, "\(good)")
    }
}
