import ArgumentParser

// Skeleton placeholder: replaced when its issue lands.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Generate text with the engine.")
    func run() async throws { throw ValidationError("'generate' is not implemented yet") }
}

