import Foundation
import Testing
import FakePasses
@testable import Sandbox


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
            #expect(e.status == f.verdict, "\(f.name) (\(form)): \(e.status) \(e.stderr.suffix(300))")
        }
    }

    @Test("without the guard each trick passes (except the exit tricks, which the proof of pass alone stops, and those aimed at the guard)",
          arguments: fakePasses.filter { !$0.exitTrick && !$0.targetsHarness }, Form.allCases)
    func trickWorksWithoutGuard(_ f: FakePass, _ form: Form) async {
        let e = await Runner().run(Program(source: f.unguarded(form), requireProof: true),
                                   limits: Limits(wallSeconds: 5, memoryBytes: 512 << 20))
        #expect(e.status == .passed, "\(f.name) (\(form)) fails even without the guard: \(e.status) \(e.stderr.suffix(300))")
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
        try input.fileHandleForWriting.write(contentsOf: Data(VerdictGuard.script.utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let compiled = text.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(compiled != "skip", "the sandbox's python3 is not 3.11")
        #expect(compiled == VerdictGuard.bytecode.filter { !$0.isWhitespace }, "run scripts/verdict-guard-bytecode")
    }

    /// A zygote defines the guard once: judged programs reach it with a one-line marker instead of the loader.
    @Test func zygotesGetJudgedProgramsWithoutTheLoader() {
        let judged = honest.humanEval
        let sent = VerdictGuard.forZygote(judged)
        #expect(sent.hasPrefix(VerdictGuard.zygoteLoader) && !sent.contains("__codeeval_load"))
        #expect(judged.hasSuffix(String(sent.dropFirst(VerdictGuard.zygoteLoader.count))))
        #expect(judged.utf8.count - sent.utf8.count > 30_000)
        let plain = ProofOfPass.wrap("print(1)")
        #expect(VerdictGuard.forZygote(plain) == plain)
    }

    @Test func atLeastFifteenClasses() {
        #expect(fakePasses.filter { !$0.open }.count >= 15)
    }
}
