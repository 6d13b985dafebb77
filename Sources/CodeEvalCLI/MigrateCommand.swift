import ArgumentParser
import Service

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Create or upgrade a job store's tables (safe while other replicas start: one applies, the rest wait).")

    @Option(help: "sqlite:PATH or postgres://USER@HOST[:PORT]/DB[?schema=NAME] (default: $CODEEVAL_STORE).") var store: String?

    func run() async throws {
        var o = ServiceOptions()
        o.store = store
        print("schema versions:", try await o.storeLocation().migrate().joined(separator: ", "))
    }
}
