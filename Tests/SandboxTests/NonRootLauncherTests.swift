import Foundation
import Testing
@testable import Sandbox

/// The launcher as a non-root user (the container image's case, here through `setpriv` to `nobody`): no per-run uid
/// (only root can switch), no writable cgroup, so it fails closed; with --allow-degraded the verdict says exactly
/// what it ran with (the shared uid, no `per_run_uid`, no cgroup layer) while every namespace layer stays, and the
/// run's process limit is still its own (`per_run_nproc`: the kernel counts RLIMIT_NPROC per user namespace).
@Suite("Launcher as a non-root user")
struct NonRootLauncherTests {
    func launch(_ args: [String], program: String) throws -> [String: Any] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        p.arguments = ["--reuid", "65534", "--regid", "65534", "--clear-groups", Runner().launcher] + args
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = FileHandle.nullDevice
        try p.run()
        // A launcher that fails closed exits without reading its input: a broken pipe here is its answer, not an error.
        try? input.fileHandleForWriting.write(contentsOf: Data(program.utf8))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func failsClosedThenRecordsWhatItRanWith() throws {
        try #require(getuid() == 0, "needs root to drop to nobody")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"))
        let closed = try launch([], program: "print(1)")
        #expect((closed["sandbox_error"] as? String)?.hasPrefix("cgroups unavailable") == true, "\(closed)")
        let degraded = try launch(["--allow-degraded"], program: "import os\nprint(os.getuid())")
        let layers = degraded["layers"] as? [String] ?? []
        #expect(degraded["stdout"] as? String == "1000\n", "\(degraded)")
        #expect(degraded["host_uid"] as? Int == 65534)
        #expect(!layers.contains("per_run_uid") && !layers.contains { $0.hasPrefix("cgroup_v") }, "\(layers)")
        for layer in ["user_ns", "pid_ns", "net_ns", "mount_ns", "pivot_root", "seccomp", "caps_dropped", "unprivileged_uid",
                      "per_run_nproc"] {
            #expect(layers.contains(layer), "missing \(layer)")
        }
    }

    /// How many children a run forks (each sleeps) before fork fails, as `nobody` with --nproc 16 and no cgroup.
    func forkCount() throws -> String {
        let forks = "import os, time\nn = 0\ntry:\n    while n < 1000:\n        if os.fork() == 0:\n"
            + "            time.sleep(30)\n            os._exit(0)\n        n += 1\nexcept OSError:\n    pass\nprint(n)\n"
        let v = try launch(["--allow-degraded", "--profile", "standard", "--nproc", "16", "--timeout-ms", "10000"], program: forks)
        return (v["stdout"] as? String ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Under the uid every run shares, a run's process limit is still its own: with forty other processes of that uid
    /// alive (more than --nproc) and a second run forking at the same time, a run forks exactly as many children as
    /// it does alone. (On a kernel counting RLIMIT_NPROC per uid only, it could fork none.)
    @Test func processLimitIsPerRunUnderTheSharedUid() async throws {
        try #require(getuid() == 0, "needs root to drop to nobody")
        let alone = try forkCount()
        let n = try #require(Int(alone), "\(alone)")
        #expect(n > 0 && n < 16, "\(n)")
        var sleepers: [Process] = []
        defer {
            for p in sleepers { p.terminate(); p.waitUntilExit() }
        }
        for _ in 0..<40 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            p.arguments = ["--reuid", "65534", "--regid", "65534", "--clear-groups", "/bin/sleep", "60"]
            try p.run()
            sleepers.append(p)
        }
        for _ in 0..<100 where processes(ofUID: 65534).count < 40 { try await Task.sleep(nanoseconds: 20_000_000) }
        #expect(processes(ofUID: 65534).count >= 40)
        async let first = forkCount()
        async let second = forkCount()
        let both = try await [first, second]
        #expect(both == [alone, alone], "alone \(alone), with 40 other processes of the uid and a concurrent run \(both)")
    }

    @Test func rootRunsGetAPerRunUid() async {
        let e = await Runner().run(Program(source: "print(1)"))
        #expect(e.layers.contains("per_run_uid") && e.layers.contains("per_run_nproc"), "\(e.layers)")
        #expect((e.hostUID ?? 0) >= 200_000)
    }
}
