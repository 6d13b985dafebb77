import ArgumentParser

// Skeleton placeholder: replaced when its issue lands.
struct DatasetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "datasets", abstract: "List, verify and fetch benchmark datasets.")
    func run() async throws { throw ValidationError("'datasets' is not implemented yet") }
}

