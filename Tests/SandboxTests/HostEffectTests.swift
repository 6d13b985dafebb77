import Foundation
import Testing
@testable import Sandbox
#if canImport(Glibc)
import Glibc
#endif

/// Host pids whose command line contains `token`.
func hostProcesses(containing token: String) -> [Int] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    return entries.compactMap { name -> Int? in
        guard let pid = Int(name), let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline") else { return nil }
        return String(decoding: data, as: UTF8.self).contains(token) ? pid : nil
    }
}

/// The parent pid of a host process (field 4 of /proc/PID/stat, after the parenthesised command name).
func parentPid(of pid: Int) -> Int? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return fields.count > 1 ? Int(fields[1]) : nil
}

/// Directories beside our own cgroups (every hierarchy of /proc/self/cgroup) whose names start with `prefix`.
/// The launcher of the run whose program shows `token` in its command line (waits up to 5 s for it to appear):
/// program P → the jail's init G → the jail's parent C → the launcher.
func launcherOfRun(showing token: String) async -> Int? {
    for _ in 0..<100 {
        try? await Task.sleep(nanoseconds: 50_000_000)
        if let p = hostProcesses(containing: token).first, let g = parentPid(of: p), let c = parentPid(of: g),
           let launcher = parentPid(of: c) {
            return launcher
        }
    }
    return nil
}

func cgroupDirectories(named prefix: String) -> [String] {
    guard let text = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return [] }
    var found: [String] = []
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { continue }
        let own = parts[2] == "/" ? "" : String(parts[2])
        var dirs = ["/sys/fs/cgroup\(own)"]
        for controller in parts[1].split(separator: ",") { dirs.append("/sys/fs/cgroup/\(controller)\(own)") }
        for dir in dirs {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where name.hasPrefix(prefix) {
                found.append("\(dir)/\(name)")
            }
        }
    }
    return found
}

/// What a run could do to the host, checked from the host side; and the cgroup layer.
@Suite("Host effects and cgroups", .serialized)
struct HostEffectTests {
    let runner = Runner()

    @Test func runsGetACgroupLayerAndTmpfsPagesCountAsMemory() async {
        // A 200 MB file in /work stays far below the address-space limit (file pages are not mapped), so only the
        // run's memory cgroup (64 MiB) can stop it: the kernel OOM-kills the program.
        let source = "f = open('/work/big', 'wb')\nfor _ in range(200): f.write(b'x' * (1 << 20))\nprint('wrote')"
        let e = await runner.run(Program(source: source),
                                 limits: Limits(wallSeconds: 10, memoryBytes: 64 << 20, fileSizeBytes: 300 << 20, workDirMB: 300))
        #expect(e.layers.contains("cgroup_v1_limits") || e.layers.contains("cgroup_v2_limits"), "\(e.layers) \(e.error ?? "")")
        #expect(e.status == .memoryLimit, "\(e.status) \(e.stdout) \(e.error ?? "")")
    }

    @Test func missingCgroupsFailClosedOrDegradeWhenAllowed() async {
        let closed = await runner.run(Program(source: "print(1)"), limits: { var l = Limits(); l.cgroupRoot = "/nonexistent"; return l }())
        #expect(closed.status == .sandboxError)
        #expect(closed.error?.contains("cgroups unavailable") == true, "\(closed.error ?? "")")
        var limits = Limits(allowDegraded: true)
        limits.cgroupRoot = "/nonexistent"
        let degraded = await runner.run(Program(source: "print(1)"), limits: limits)
        #expect(degraded.status == .passed)
        #expect(!degraded.layers.contains { $0.hasPrefix("cgroup_v") })
        #expect(degraded.layers.contains("seccomp") && degraded.layers.contains("pid_ns"))
    }

    /// A directory that looks like a cgroup v2 root with memory and pids (but is not cgroupfs): the launcher takes
    /// the v2 path, cannot set the limits, fails closed and leaves nothing behind.
    @Test func cgroupV2IsDetectedAndFailsClosedWhenLimitsCannotBeSet() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-fake-cgroup-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "cpu memory pids\n".write(toFile: root + "/cgroup.controllers", atomically: true, encoding: .utf8)
        var limits = Limits()
        limits.cgroupRoot = root
        let e = await runner.run(Program(source: "print(1)"), limits: limits)
        #expect(e.status == .sandboxError)
        #expect(e.error?.contains("cannot set cgroup v2 limits") == true, "\(e.error ?? "")")
        let left = try FileManager.default.contentsOfDirectory(atPath: root)
        #expect(left == ["cgroup.controllers"], "\(left)")
    }

    @Test func killedLauncherTakesTheJailDown() async throws {
        let token = "codeeval-\(UUID().uuidString.prefix(8))"
        let runner = self.runner
        // The program becomes `sleep` (execve is allowed in the strict profile) with the token as its argv[0].
        let run = Task {
            await runner.run(Program(source: "import os\nos.execv('/usr/bin/sleep', ['\(token)', '30'])"),
                             limits: Limits(wallSeconds: 30))
        }
        let pid = try #require(await launcherOfRun(showing: token))
        kill(pid_t(pid), SIGKILL)
        let e = await run.value
        #expect(e.status == .sandboxError)
        var left = hostProcesses(containing: token)
        for _ in 0..<40 where !left.isEmpty {
            try await Task.sleep(nanoseconds: 50_000_000)
            left = hostProcesses(containing: token)
        }
        #expect(left.isEmpty, "the jail outlived its launcher: \(left)")
        // Its cgroups stay behind (nobody was left to remove them) until the next run prunes them (when it starts,
        // and again when it cleans up after handing over its verdict: wait up to 2 s for that clean-up).
        _ = await runner.run(Program(source: "pass"))
        var stale = cgroupDirectories(named: "codeeval-\(pid)-")
        for _ in 0..<40 where !stale.isEmpty {
            try await Task.sleep(nanoseconds: 50_000_000)
            stale = cgroupDirectories(named: "codeeval-\(pid)-")
        }
        #expect(stale.isEmpty, "stale cgroups of the killed launcher remain")
    }

    @Test(arguments: [Limits.Profile.strict, .standard])
    func aHostLoopbackListenerReceivesNothing(profile: Limits.Profile) async throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        try #require(bound && listen(fd, 16) == 0)
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let e = await runner.run(Program(source: """
            import socket
            s = socket.create_connection(("127.0.0.1", \(port)), timeout=1)
            s.sendall(b"PWNED")
            print("CONNECTED")
            """), limits: Limits(profile: profile))
        #expect(e.status == .failed)
        #expect(!e.stdout.contains("CONNECTED"))
        #expect(accept(fd, nil, nil) < 0, "a connection reached the host listener")
    }
}
