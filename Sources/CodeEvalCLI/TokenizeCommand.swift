import ArgumentParser

// Skeleton placeholder: replaced when its issue lands.
struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "Tokenize text with a model's tokenizer.")
    func run() async throws { throw ValidationError("'tokenize' is not implemented yet") }
}

