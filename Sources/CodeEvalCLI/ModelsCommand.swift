import ArgumentParser

// Skeleton placeholder: replaced when its issue lands.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "models", abstract: "List and fetch models.")
    func run() async throws { throw ValidationError("'models' is not implemented yet") }
}

