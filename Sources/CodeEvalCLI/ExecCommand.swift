import ArgumentParser
import Foundation
import Reports
import Sandbox

/// Options that set a run's limits (shared by `exec` and the code evaluations).
struct LimitOptions: ParsableArguments {
    @Option(help: "Wall-clock limit in seconds.") var timeout: Double = 3.0
    @Option(name: .customLong("memory-mb"), help: "Address-space limit in MiB.") var memoryMB: Int = 1024
    @Option(help: "strict (threads only, no new processes) or standard (fork/exec inside the jail). No network in either.")
    var profile: ProfileArgument = .strict
    @Flag(name: .customLong("allow-degraded"), help: "Run even if an isolation layer is unavailable (recorded in the verdict).")
    var allowDegraded = false

    enum ProfileArgument: String, ExpressibleByArgument, CaseIterable { case strict, standard }

    func validate() throws {
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be in (0, 3600] seconds") }
        guard memoryMB >= 16 else { throw ValidationError("--memory-mb must be at least 16") }
    }

    var limits: Limits {
        Limits(wallSeconds: timeout, memoryBytes: memoryMB << 20, profile: profile == .standard ? .standard : .strict,
               allowDegraded: allowDegraded)
    }
}

struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run one Python program in the sandbox.",
        discussion: """
        Exit status: 0 if the program passed (exit 0), 1 for any other program outcome, 2 for usage errors,
        3 for a sandbox error. --json prints the verdict (status, exit_code, signal, wall_ms, cpu_ms, max_rss_kb,
        stdout, stderr, stdout_truncated, stderr_truncated, layers).
        Example: codeeval exec --timeout 10 --memory-mb 512 --json untrusted.py
        """)

    @Argument(help: "The Python file to run (- for stdin).") var file: String
    @OptionGroup var limitOptions: LimitOptions
    @Flag(help: "Print the verdict as one JSON object.") var json = false
    @Flag(help: "Run the program in a zygote's forked interpreter instead of a new python3 (same layers; README, \"Zygote\").")
    var zygote = false

    func run() async throws {
        let program = Program(source: try readInput(file)), limits = limitOptions.limits
        let execution = zygote ? await Zygote.runOnce(program, limits: limits) : await Runner().run(program, limits: limits)
        if json {
            print(try ExecutionReport.json(execution))
        } else {
            FileHandle.standardOutput.write(Data(execution.stdout.utf8))
            FileHandle.standardError.write(Data((execution.stderr + ExecutionReport.line(execution) + "\n").utf8))
        }
        let status = ExecutionReport.exitStatus(execution)
        if status != 0 { throw ExitCode(status) }
    }
}
