import Foundation
import Testing
@testable import Sandbox

/// The launcher as a non-root user (the container image's case, here through `setpriv` to `nobody`): no per-run uid
/// (only root can switch), no writable cgroup, so it fails closed; with --allow-degraded the verdict says exactly
/// what it ran with (the shared uid, no `per_run_uid`, no cgroup layer) while every namespace layer stays.
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
        input.fileHandleForWriting.write(Data(program.utf8))
        try input.fileHandleForWriting.close()
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
        for layer in ["user_ns", "pid_ns", "net_ns", "mount_ns", "pivot_root", "seccomp", "caps_dropped", "unprivileged_uid"] {
            #expect(layers.contains(layer), "missing \(layer)")
        }
    }

    @Test func rootRunsGetAPerRunUid() async {
        let e = await Runner().run(Program(source: "print(1)"))
        #expect(e.layers.contains("per_run_uid"), "\(e.layers)")
        #expect((e.hostUID ?? 0) >= 200_000)
    }
}
