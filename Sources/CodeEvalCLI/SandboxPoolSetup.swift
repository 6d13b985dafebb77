import ArgumentParser
import Sandbox

/// The sandbox pool of a command that executes programs (`RunnerPool.forCommand`), its note on stderr.
enum SandboxPoolSetup {
    static func pool(width: Int, zygote: Bool?) throws -> RunnerPool {
        try RunnerPool.forCommand(width: width, zygote: zygote, note: printError)
    }

    static let help = ArgumentHelp(stringLiteral: RunnerPool.zygoteHelp)
}
