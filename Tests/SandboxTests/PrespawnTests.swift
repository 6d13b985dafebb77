import Foundation
import Testing
@testable import Sandbox

/// Pre-spawned launchers (`Runner.prepare`, `RunnerPool`): the jail is built before its program is known, and still
/// belongs to exactly one run.
@Suite("Pre-spawned launchers", .serialized)
struct PrespawnTests {
    let runner = Runner()

    /// The launcher's per-run host uid (supervisor.c: 200000 + its pid mod 100000).
    func hostUID(of launch: PreparedLaunch) -> Int { 200_000 + Int(launch.process.processIdentifier) % 100_000 }

    func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<100 {
            if condition() { return true }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return condition()
    }

    @Test func aCancelledLaunchTearsItsJailDownAndLeavesNothing() async throws {
        let launch = try runner.prepare(Limits()).get()
        let uid = hostUID(of: launch)
        let pid = Int(launch.process.processIdentifier)
        // The jail's parent and init run under the run's uid while the launcher waits for its program.
        #expect(try await eventually { processes(ofUID: uid).count >= 2 }, "the jail was not built ahead of its program")
        #expect(!cgroupDirectories(named: "codeeval-\(pid)-").isEmpty, "the run's cgroups were not created ahead")
        launch.cancel()
        #expect(try await eventually { processes(ofUID: uid).isEmpty }, "a cancelled jail survived: \(processes(ofUID: uid))")
        #expect(try await eventually { cgroupDirectories(named: "codeeval-\(pid)-").isEmpty }, "a cancelled run left cgroups")
        launch.process.waitUntilExit()
        #expect(launch.process.terminationStatus == 4)
    }

    /// The wall and CPU limits come with the program, not with the launcher's arguments, and the wall clock starts
    /// when the program arrives, not when the jail was built.
    @Test func aPreparedJailTakesTheRunsOwnTimeLimits() async throws {
        let launch = try runner.prepare(Limits(wallSeconds: 30)).get()
        try await Task.sleep(nanoseconds: 600_000_000)
        let e = await runner.run(Program(source: "while True: pass"), limits: Limits(wallSeconds: 0.5), prepared: launch)
        #expect(e.status == .timeout)
        #expect(e.wallMs >= 500 && e.wallMs < 1500, "wall \(e.wallMs) ms")
        let cpu = await runner.run(Program(source: "import resource\nprint(resource.getrlimit(resource.RLIMIT_CPU))"),
                                   limits: Limits(wallSeconds: 2, cpuSeconds: 7), prepared: try runner.prepare(Limits()).get())
        #expect(cpu.stdout == "(7, 8)\n", "\(cpu.stdout) \(cpu.stderr)")
    }

    /// A launcher prepared for other jail limits is never used: the run gets a jail with its own memory limit.
    @Test func aLaunchForOtherJailLimitsIsNotUsed() async throws {
        let roomy = try runner.prepare(Limits(wallSeconds: 10, memoryBytes: 1 << 30, fileSizeBytes: 300 << 20, workDirMB: 300)).get()
        let source = "f = open('/work/big', 'wb')\nfor _ in range(200): f.write(b'x' * (1 << 20))\nprint('wrote')"
        let e = await runner.run(Program(source: source),
                                 limits: Limits(wallSeconds: 10, memoryBytes: 64 << 20, fileSizeBytes: 300 << 20, workDirMB: 300),
                                 prepared: roomy)
        #expect(e.status == .memoryLimit, "\(e.status) \(e.stdout)")
        roomy.process.waitUntilExit()
        #expect(roomy.process.terminationStatus == 4, "the unused launcher was not cancelled")
    }

    /// Consecutive runs through a pre-spawning pool share nothing: files, uid, processes, patched builtins.
    @Test func consecutivePoolRunsShareNothing() async throws {
        let pool = RunnerPool(width: 1, zygote: false)
        let hostile = """
        import builtins, os, sys, atexit
        open('/work/x', 'w').write('left over')
        builtins.len = lambda x: 0
        sys.setrecursionlimit(50)
        atexit.register(lambda: open('/work/atexit', 'w').write('ran'))
        if os.fork() == 0:
            os.setsid()
            import time; time.sleep(30)
        print(os.getuid())
        """
        let first = await pool.run(Program(source: hostile), limits: Limits(profile: .standard))
        #expect(first.status == .passed, "\(first.stderr)")
        let clean = """
        import os, sys
        assert len([1, 2]) == 2
        assert sys.getrecursionlimit() == 1000, sys.getrecursionlimit()
        assert os.listdir('/work') == ['main.py'], os.listdir('/work')
        assert sorted(int(p) for p in os.listdir('/proc') if p.isdigit()) == [1, 2], os.listdir('/proc')
        """
        let second = await pool.run(Program(source: clean), limits: Limits(profile: .standard))
        #expect(second.status == .passed, "\(second.stderr)")
        #expect(first.hostUID != nil && first.hostUID != second.hostUID)
        await pool.shutdown()
    }
}
