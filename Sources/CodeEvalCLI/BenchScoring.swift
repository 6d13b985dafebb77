import ArgumentParser

// Skeleton placeholder: replaced when its issue lands.
struct BenchScoring: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scoring", abstract: "Benchmark the scorers.")
    func run() async throws { throw ValidationError("'scoring' is not implemented yet") }
}

