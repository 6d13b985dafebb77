import ArgumentParser

// Skeleton placeholder: replaced when its issue lands.
struct BenchEngine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "engine", abstract: "Benchmark the engine.")
    func run() async throws { throw ValidationError("'engine' is not implemented yet") }
}

