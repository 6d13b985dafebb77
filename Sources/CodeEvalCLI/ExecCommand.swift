import ArgumentParser

// Skeleton placeholder: replaced when its issue lands.
struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "exec", abstract: "Run one program in the sandbox.")
    func run() async throws { throw ValidationError("'exec' is not implemented yet") }
}

