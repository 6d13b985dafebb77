import Foundation
import Testing
@testable import Sandbox

/// Hostile programs. Each asserts the verdict and, where it matters, that the host is unchanged afterwards.
/// Every hole found later becomes a case here.
struct Attack: Sendable, CustomTestStringConvertible {
    let name: String
    let code: String
    let allowed: Set<Status>
    var profile: Limits.Profile = .strict
    var wall: Double = 3
    /// Text that must not appear in the program's output (secrets, host data).
    var mustNotLeak: [String] = []
    /// Text that must appear in stderr (e.g. the errno the program saw).
    var stderrContains: String? = nil
    var testDescription: String { name }
}

let hostMarker = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-attack-marker-\(UUID().uuidString)").path
let hostSecret = "codeeval-secret-\(UUID().uuidString)"

let attacks: [Attack] = [
    // Resource exhaustion
    Attack(name: "infinite loop", code: "while True: pass", allowed: [.timeout], wall: 1),
    Attack(name: "CPU-burning threads", code: """
        import threading
        def burn():
            while True: pass
        for _ in range(8): threading.Thread(target=burn, daemon=True).start()
        burn()
        """, allowed: [.timeout], wall: 1),
    Attack(name: "sleep forever ignoring SIGTERM", code: """
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(100)
        """, allowed: [.timeout], wall: 1),
    Attack(name: "catch every exception in a loop", code: """
        import time
        while True:
            try:
                time.sleep(0.01)
            except BaseException:
                pass
        """, allowed: [.timeout], wall: 1),
    Attack(name: "fork bomb (strict)", code: "import os\nwhile True: os.fork()", allowed: [.failed], stderrContains: "PermissionError"),
    Attack(name: "fork bomb (standard)", code: """
        import os
        while True:
            try: os.fork()
            except OSError: pass
        """, allowed: [.timeout, .failed], profile: .standard, wall: 2),
    Attack(name: "10 000 forks (standard)", code: """
        import os
        n = 0
        for _ in range(10000):
            try:
                if os.fork() == 0:
                    import time; time.sleep(5); os._exit(0)
                n += 1
            except OSError:
                pass
        print("forked", n)
        assert n >= 10000
        """, allowed: [.failed, .timeout], profile: .standard, wall: 3),
    Attack(name: "os.system", code: "import os\nassert os.system('id') == 0", allowed: [.failed]),
    Attack(name: "subprocess", code: "import subprocess\nsubprocess.run(['/bin/sh', '-c', 'echo pwned'])", allowed: [.failed], stderrContains: "PermissionError"),
    Attack(name: "memory bomb", code: "x = bytearray(4 << 30)", allowed: [.memoryLimit]),
    Attack(name: "growing list memory bomb", code: "x = []\nwhile True: x.append(' ' * (1 << 20))", allowed: [.memoryLimit, .timeout, .signal]),
    Attack(name: "1 GB of output", code: "import sys\nfor _ in range(1024): sys.stdout.write('x' * (1 << 20))\nraise SystemExit(1)",
           allowed: [.outputLimit, .timeout]),
    Attack(name: "huge file", code: "f = open('big', 'wb')\nfor _ in range(100): f.write(b'x' * (1 << 20))", allowed: [.failed], stderrContains: "File too large"),
    Attack(name: "fill the work dir", code: """
        i = 0
        while True:
            with open(f'f{i}', 'wb') as f: f.write(b'x' * (8 << 20))
            i += 1
        """, allowed: [.failed], stderrContains: "No space left"),
    Attack(name: "inode exhaustion", code: "i = 0\nwhile True:\n    open(f'/tmp/f{i}', 'w').close(); i += 1", allowed: [.failed]),
    Attack(name: "fd exhaustion", code: "fs = []\nwhile True: fs.append(open('/dev/null'))", allowed: [.failed], stderrContains: "Too many open files"),
    // Information theft
    Attack(name: "read /etc/shadow", code: "print(open('/etc/shadow').read())", allowed: [.failed], stderrContains: "No such file"),
    Attack(name: "read /proc/1/environ", code: "print(open('/proc/1/environ','rb').read())", allowed: [.failed, .passed],
           mustNotLeak: [hostSecret]),
    Attack(name: "host environment secrets", code: "import os\nprint(dict(os.environ))", allowed: [.passed], mustNotLeak: [hostSecret]),
    Attack(name: "list host home and root", code: "import os\nprint(os.listdir('/root'))", allowed: [.failed]),
    Attack(name: "read a host temp file", code: "print(open('\(hostMarker).secret').read())", allowed: [.failed], mustNotLeak: [hostSecret]),
    Attack(name: "walk the filesystem", code: """
        import os
        found = []
        for root, dirs, files in os.walk('/'):
            dirs[:] = [d for d in dirs if os.path.join(root, d) not in ('/proc', '/usr')]
            found += [os.path.join(root, f) for f in files]
        print(found)
        assert not any('codeeval-attack' in f for f in found)
        """, allowed: [.passed]),
    Attack(name: "other processes", code: "import os\npids = [p for p in os.listdir('/proc') if p.isdigit()]\nprint(pids)\nassert set(pids) <= {'1', '2'}", allowed: [.passed]),
    // Escapes from the filesystem view
    Attack(name: "write to the root", code: "open('/pwned', 'w').write('pwned')", allowed: [.failed], stderrContains: "Read-only"),
    Attack(name: "overwrite /etc/passwd", code: "open('/etc/passwd', 'a').write('x')", allowed: [.failed]),
    // /tmp inside the jail is the run's own work dir: the write "succeeds" there and never reaches the host.
    Attack(name: "write to a host /tmp path", code: "open('\(hostMarker)', 'w').write('pwned')", allowed: [.passed]),
    Attack(name: "write into /usr", code: "open('/usr/lib/pwned', 'w')", allowed: [.failed], stderrContains: "Read-only"),
    Attack(name: "symlink to the host", code: """
        import os
        os.symlink('\(hostMarker)', 'link')
        open('link', 'w').write('pwned')
        """, allowed: [.passed, .failed]),
    Attack(name: "symlink to /proc/self/root", code: """
        import os
        os.symlink('/proc/1/root', 'r')
        print(os.listdir('r'))
        open('r/\(hostMarker.dropFirst())', 'w')
        """, allowed: [.failed]),
    Attack(name: "device nodes", code: "import os\nprint(os.listdir('/dev'))\nassert sorted(os.listdir('/dev')) == ['null', 'urandom', 'zero']\nopen('/dev/sda', 'rb')", allowed: [.failed], stderrContains: "No such file"),
    Attack(name: "setuid file", code: """
        import os
        open('s', 'w').write('#!/bin/sh\\nid')
        os.chmod('s', 0o4755)
        os.execv('./s', ['s'])
        """, allowed: [.failed]),
    Attack(name: "chroot escape", code: "import os\nos.chroot('/tmp')", allowed: [.violation]),
    // Network
    Attack(name: "TCP to loopback", code: "import socket\nsocket.create_connection(('127.0.0.1', 22), timeout=1)", allowed: [.failed], stderrContains: "PermissionError"),
    Attack(name: "TCP to the outside", code: "import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=1)", allowed: [.failed]),
    Attack(name: "UDP", code: "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.sendto(b'x', ('8.8.8.8', 53))", allowed: [.failed]),
    Attack(name: "DNS", code: "import socket\nprint(socket.gethostbyname('example.com'))", allowed: [.failed]),
    Attack(name: "listen", code: "import socket\ns = socket.socket()\ns.bind(('0.0.0.0', 8000))\ns.listen()", allowed: [.failed]),
    Attack(name: "unix socket", code: "import socket\nsocket.socket(socket.AF_UNIX).connect('/run/systemd/private')", allowed: [.failed]),
    // Kernel attack surface via raw syscalls
    Attack(name: "ptrace", code: "import ctypes\nctypes.CDLL(None).ptrace(0, 0, 0, 0)", allowed: [.violation]),
    Attack(name: "unshare", code: "import ctypes\nctypes.CDLL(None).unshare(0x10000000)", allowed: [.violation]),
    Attack(name: "mount", code: "import ctypes\nctypes.CDLL(None).mount(b'none', b'/tmp', b'tmpfs', 0, None)", allowed: [.violation]),
    Attack(name: "setns", code: "import ctypes\nctypes.CDLL(None).setns(0, 0)", allowed: [.violation]),
    Attack(name: "bpf", code: "import ctypes\nctypes.CDLL(None).syscall(321, 0, 0, 0)", allowed: [.violation]),
    Attack(name: "keyctl", code: "import ctypes\nctypes.CDLL(None).syscall(250, 0, 0, 0)", allowed: [.violation]),
    Attack(name: "userfaultfd", code: "import ctypes\nctypes.CDLL(None).syscall(323, 0)", allowed: [.violation]),
    Attack(name: "io_uring", code: "import ctypes\nctypes.CDLL(None).syscall(425, 8, None)", allowed: [.violation]),
    Attack(name: "perf_event_open", code: "import ctypes\nctypes.CDLL(None).syscall(298, 0, 0, -1, -1, 0)", allowed: [.violation]),
    Attack(name: "clone with new namespaces", code: "import ctypes\nr = ctypes.CDLL(None).syscall(56, 0x10000000 | 17, 0, 0, 0, 0)\nassert r >= 0, r", allowed: [.failed]),
    Attack(name: "TIOCSTI", code: "import fcntl, termios\nfcntl.ioctl(0, termios.TIOCSTI, b'x')", allowed: [.failed]),
    Attack(name: "x32 syscall ABI", code: "import ctypes\nctypes.CDLL(None).syscall(0x40000000 | 39)", allowed: [.violation, .signal]),
    Attack(name: "kill the parent", code: "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nimport time\ntime.sleep(1)\nprint('alive')", allowed: [.signal, .failed, .passed]),
    Attack(name: "kill every process", code: "import os, signal\nos.kill(-1, signal.SIGKILL)", allowed: [.signal, .failed, .passed]),
    Attack(name: "daemonize to outlive the run", code: """
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(30)
                open('/work/late', 'w')
            os._exit(0)
        print('parent done')
        """, allowed: [.passed], profile: .standard),
    Attack(name: "raise limits", code: "import resource\nresource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))", allowed: [.failed]),
    Attack(name: "become root", code: "import os\nos.setuid(0)", allowed: [.failed]),
    // The jail's init holds the status pipe (and the socket Foundation's Process uses to notice the launcher's
    // exit); the program can list them but must not reopen any of them through /proc (it could forge a status).
    Attack(name: "reopen the init's descriptors", code: """
        import os
        fds = os.listdir('/proc/1/fd')
        assert fds, fds
        for n in fds:
            try:
                os.close(os.open('/proc/1/fd/' + n, os.O_WRONLY))
                raise SystemExit('reopened init fd ' + n)
            except PermissionError:
                pass
        """, allowed: [.passed]),
    // The init runs in the memory of the jail's parent (which sits outside the run's pid namespace, without a
    // seccomp filter): writing that memory would hijack both. /proc/1/mem needs ptrace access, which the
    // program's dropped capabilities deny (and ptrace and process_vm_writev are killed by the filter).
    Attack(name: "write the init's memory", code: """
        import os
        for path, mode in (('/proc/1/mem', os.O_RDWR), ('/proc/1/mem', os.O_RDONLY), ('/proc/1/maps', os.O_RDONLY),
                           ('/proc/1/environ', os.O_RDONLY)):
            try:
                os.close(os.open(path, mode))
                raise SystemExit('opened ' + path)
            except PermissionError:
                pass
        """, allowed: [.passed], profile: .standard),
    // Through a zygote the interpreter's memory is a private mapping of a sealed memfd that every run shares
    // (snapshot.c). Reopening that file writable would reach every later run: /proc/self/map_files needs
    // CAP_SYS_ADMIN in the initial user namespace, no descriptor of it is left open, and the seals refuse writes
    // even to a holder of one. Writing our own mapping (directly or through /proc/self/mem) copies the page.
    Attack(name: "reopen the zygote's memory snapshot", code: """
        import os
        ranges = [l.split()[0] for l in open('/proc/self/maps') if 'memfd:' in l]
        for r in ranges:
            for mode in (os.O_RDWR, os.O_RDONLY):
                try:
                    os.close(os.open('/proc/self/map_files/' + r, mode))
                    raise SystemExit('opened the snapshot through /proc/self/map_files/' + r)
                except (PermissionError, FileNotFoundError):
                    pass
        for fd in os.listdir('/proc/self/fd'):
            try:
                target = os.readlink('/proc/self/fd/' + fd)
            except OSError:
                continue
            if target.startswith('/memfd:'):
                raise SystemExit('fd %s is %s' % (fd, target))
        if ranges:
            start = int(ranges[0].split('-')[0], 16)
            with open('/proc/self/mem', 'r+b', buffering=0) as mem:
                mem.seek(start)
                old = mem.read(8)
                mem.seek(start)
                mem.write(old)
        """, allowed: [.passed]),
]

/// Processes on the host that run under the given uid (a run's processes all do).
func processes(ofUID target: Int) -> [String] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    var found: [String] = []
    for pid in entries where pid.allSatisfy(\.isNumber) {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { continue }
        if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }),
           let uid = line.split(separator: "\t").dropFirst().first.flatMap({ Int($0) }), uid == target {
            found.append(pid)
        }
    }
    return found
}

/// The parent of a process, from /proc/PID/stat (the field after the parenthesised command name).
func parentPID(_ pid: String) -> Int? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return fields.count > 1 ? Int(fields[1]) : nil
}

/// Processes of `uid` a finished run could have left behind. A launcher running as root gives every run a uid of its
/// own, so every process of that uid counts. A launcher running as a non-root user (the container image's case)
/// gives the run that user's uid, shared with this test process and the launchers and zygotes it keeps ready: those
/// are this process's descendants, and a process that outlived its run is not one (its launcher is gone, so it was
/// re-parented to the namespace's init).
func leftovers(ofUID uid: Int) -> [String] {
    let all = processes(ofUID: uid)
    guard uid == Int(getuid()) else { return all }
    let me = Int(getpid())
    return all.filter { pid in
        var current = Int(pid)
        for _ in 0..<64 {
            guard let c = current, c > 1 else { return true }
            if c == me { return false }
            current = parentPID(String(c))
        }
        return true
    }
}

/// Runs one attack through `run` and checks the verdict and the host afterwards.
func checkAttack(_ a: Attack, run: (Program, Limits) async -> Execution) async throws {
    setenv("CODEEVAL_TEST_SECRET", hostSecret, 1)
    _ = FileManager.default.createFile(atPath: hostMarker + ".secret", contents: Data(hostSecret.utf8))
    defer { try? FileManager.default.removeItem(atPath: hostMarker + ".secret") }
    let limits = Limits(wallSeconds: a.wall, memoryBytes: 512 << 20, outputCapBytes: 1 << 20, profile: a.profile)
    let e = await run(Program(source: a.code), limits)
    #expect(a.allowed.contains(e.status), "\(a.name): got \(e.status) exit \(String(describing: e.exitCode)) \(e.signal ?? "") \(e.error ?? "") stderr: \(e.stderr.suffix(400))")
    #expect(e.status != .sandboxError)
    for secret in a.mustNotLeak {
        #expect(!e.stdout.contains(secret) && !e.stderr.contains(secret), "\(a.name) leaked a host secret")
    }
    if let needle = a.stderrContains {
        #expect(e.stderr.contains(needle), "\(a.name): stderr lacks \(needle): \(e.stderr.suffix(300))")
    }
    #expect(!FileManager.default.fileExists(atPath: hostMarker), "\(a.name) wrote on the host")
    #expect(e.layers.contains("seccomp") && e.layers.contains("net_ns") && e.layers.contains("pivot_root"))
    // Nothing outlives the run (the kernel tears the pid namespace down right after its init exits).
    let uid = try #require(e.hostUID)
    var left = leftovers(ofUID: uid)
    for _ in 0..<40 where !left.isEmpty {
        try await Task.sleep(nanoseconds: 50_000_000)
        left = leftovers(ofUID: uid)
    }
    #expect(left.isEmpty, "\(a.name) left processes behind: \(left)")
}

/// One pool for the whole pre-spawned pass of the suite, so every attack after the first runs in a launcher that
/// was started (and had its jail built) while the previous attack ran.
let prespawningPool = RunnerPool(width: 1, prespawn: true, zygote: false)

/// One zygote pool per seccomp profile for the whole zygote pass: every attack runs in an interpreter forked from the
/// same warm one as the attacks of its profile before it. (One pool for both would send the first attack after each
/// change of profile through a launcher of its own: a pool starts a zygote only for limits that repeat.)
let zygotePools: [Limits.Profile: RunnerPool] = [.strict: RunnerPool(width: 1, zygote: true),
                                                  .standard: RunnerPool(width: 1, zygote: true)]

@Suite("Sandbox attack suite", .serialized)
struct AttackSuiteTests {
    @Test("hostile program", arguments: attacks)
    func attack(_ a: Attack) async throws {
        try await checkAttack(a) { await Runner().run($0, limits: $1) }
    }

    @Test("hostile program in a pre-spawned launcher (RunnerPool)", arguments: attacks)
    func attackThroughPrespawningPool(_ a: Attack) async throws {
        try await checkAttack(a) { await prespawningPool.run($0, limits: $1) }
    }

    @Test("hostile program in a zygote (RunnerPool zygote: true)", arguments: attacks)
    func attackThroughZygote(_ a: Attack) async throws {
        try await checkAttack(a) { program, limits in
            let e = await zygotePools[limits.profile]!.run(program, limits: limits)
            #expect(e.layers.contains("zygote") || e.status == .sandboxError, "\(a.name) did not run in the zygote")
            return e
        }
    }

    @Test func suiteHasAtLeastFortyPrograms() {
        #expect(attacks.count >= 40)
    }
}
