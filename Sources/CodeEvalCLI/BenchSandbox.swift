import ArgumentParser

// Skeleton placeholder: replaced when its issue lands.
struct BenchSandbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sandbox", abstract: "Benchmark the sandbox.")
    func run() async throws { throw ValidationError("'sandbox' is not implemented yet") }
}

