import ArgumentParser

// Skeleton placeholder: replaced when its issue lands.
struct EquivCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "equiv", abstract: "Decide whether two answers are equivalent.")
    func run() async throws { throw ValidationError("'equiv' is not implemented yet") }
}

