import ArgumentParser

// Skeleton placeholder: replaced when its issue lands.
struct EvaluateGSM8k: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gsm8k", abstract: "Score GSM8k samples.")
    func run() async throws { throw ValidationError("'gsm8k' is not implemented yet") }
}

// Skeleton placeholder: replaced when its issue lands.
struct EvaluateMATH: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "math", abstract: "Score MATH samples.")
    func run() async throws { throw ValidationError("'math' is not implemented yet") }
}

// Skeleton placeholder: replaced when its issue lands.
struct EvaluateMATH500: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "math500", abstract: "Score MATH-500 samples.")
    func run() async throws { throw ValidationError("'math500' is not implemented yet") }
}

