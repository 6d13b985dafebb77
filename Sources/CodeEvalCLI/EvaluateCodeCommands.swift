import ArgumentParser

// Skeleton placeholder: replaced when its issue lands.
struct EvaluateHumanEval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "humaneval", abstract: "Score HumanEval samples.")
    func run() async throws { throw ValidationError("'humaneval' is not implemented yet") }
}

// Skeleton placeholder: replaced when its issue lands.
struct EvaluateMBPP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mbpp", abstract: "Score MBPP samples.")
    func run() async throws { throw ValidationError("'mbpp' is not implemented yet") }
}

// Skeleton placeholder: replaced when its issue lands.
struct EvaluateHumanEvalPlus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "humaneval-plus", abstract: "Score HumanEval+ samples.")
    func run() async throws { throw ValidationError("'humaneval-plus' is not implemented yet") }
}

// Skeleton placeholder: replaced when its issue lands.
struct EvaluateMBPPPlus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mbpp-plus", abstract: "Score MBPP+ samples.")
    func run() async throws { throw ValidationError("'mbpp-plus' is not implemented yet") }
}

