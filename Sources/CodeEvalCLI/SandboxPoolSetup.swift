import ArgumentParser
import Foundation
import Sandbox

/// The sandbox pool of a command that executes programs: zygotes (a warm interpreter per worker, forked per run,
/// every isolation layer still per run) unless `--no-zygote` or unavailable here; `--zygote` insists on them.
enum SandboxPoolSetup {
    static func pool(width: Int, zygote: Bool?) throws -> RunnerPool {
        if zygote == true, let problem = Runner().zygoteProblem {
            throw ValidationError("--zygote: \(problem)")
        }
        let pool = RunnerPool(width: width, zygote: zygote)
        if let why = pool.zygoteUnavailable {
            printError("note: a new python3 per program (no zygote: \(why))")
        }
        return pool
    }

    static let help: ArgumentHelp = """
        Run programs in a zygote per worker (default where it can run: python3 is the embedded \
        version and its libpython is installed): one warm interpreter forked per run, every isolation \
        layer still per run (README, "Zygote"). --no-zygote starts a new python3 per program.
        """
}
