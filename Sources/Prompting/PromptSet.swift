import Datasets
import Support

/// One task ready for generation: what to send, where to stop, and enough to score it later.
public struct PromptedTask: Sendable, Equatable {
    public let taskID: String
    /// The text to continue; for a chat task, the user message.
    public let prompt: String
    public let stops: [String]
    /// A chat task (the instruct profile): `prompt` is one user message and this opens the assistant's reply where
    /// the backend lets us write it; the code is taken out of the reply (`InstructPrompt.code(fromReply:)`).
    public let replyPrefix: String?

    public init(taskID: String, prompt: String, stops: [String], replyPrefix: String? = nil) {
        self.taskID = taskID
        self.prompt = prompt
        self.stops = stops
        self.replyPrefix = replyPrefix
    }
}

/// All prompts of one benchmark under one profile, plus a stable hash of the template.
public struct PromptSet: Sendable {
    public let benchmark: Benchmark
    public let profile: Profile
    public let tasks: [PromptedTask]
    /// SHA-256 of the template rendered with placeholder inputs, the shots and the stop list;
    /// changes whenever anything but the task's own text would change the prompt.
    public let templateHash: String

    public init(benchmark: Benchmark, profile: Profile, tasks: [PromptedTask], templateHash: String) {
        self.benchmark = benchmark
        self.profile = profile
        self.tasks = tasks
        self.templateHash = templateHash
    }

    /// Build the prompts of `benchmark` from the dataset store.
    public static func build(_ benchmark: Benchmark, profile: Profile, store: DatasetStore) throws -> PromptSet {
        guard profile.supports(benchmark) else {
            throw PromptingError("profile '\(profile.name.rawValue)' defines no prompt for \(benchmark.rawValue)")
        }
        let stops = profile.stops(for: benchmark)
        if profile.name == .instruct {
            return PromptSet(benchmark: benchmark, profile: profile, tasks: try instructTasks(benchmark, store: store, stops: stops),
                             templateHash: templateHash(benchmark, profile: profile))
        }
        var tasks: [PromptedTask] = []
        var shots: [Shot] = []
        switch benchmark {
        case .humaneval:
            tasks = try store.humanEval().map {
                PromptedTask(taskID: $0.taskID, prompt: HumanEvalPrompt.build(prompt: $0.prompt, profile: profile), stops: stops)
            }
        case .humanevalPlus:
            tasks = try store.humanEvalPlus().map {
                PromptedTask(taskID: $0.taskID, prompt: HumanEvalPrompt.build(prompt: $0.prompt, profile: profile), stops: stops)
            }
        case .mbpp:
            let all = try store.mbpp()
            shots = try mbppShots(all, profile: profile)
            tasks = all.filter { MBPPPrompt.evaluationTaskIDs.contains($0.taskID) }.map { p in
                PromptedTask(taskID: p.taskIDString, prompt: mbppPrompt(text: p.text, tests: p.testList, shots: shots, profile: profile), stops: stops)
            }
        case .mbppPlus:
            tasks = try store.mbppPlus().map { PromptedTask(taskID: $0.taskID, prompt: $0.prompt, stops: stops) }
        case .gsm8k:
            tasks = try store.gsm8k().map { PromptedTask(taskID: $0.taskID, prompt: GSM8kPrompt.build(question: $0.question), stops: stops) }
        case .math:
            tasks = try store.math().map { PromptedTask(taskID: mathTaskID($0, prefix: "math"), prompt: MATHPrompt.build(problem: $0.problem), stops: stops) }
        case .math500:
            tasks = try store.math500().map { PromptedTask(taskID: mathTaskID($0, prefix: "math500"), prompt: MATHPrompt.build(problem: $0.problem), stops: stops) }
        case .mbppSanitized, .humanevalPlusMini:
            throw PromptingError("\(benchmark.rawValue) is scored from sample files only; it has no generation protocol")
        default:
            throw PromptingError("\(benchmark.rawValue) is prompted by Section3Prompts, not by a profile")
        }
        return PromptSet(benchmark: benchmark, profile: profile, tasks: tasks,
                         templateHash: templateHash(benchmark, profile: profile, mbppShots: shots))
    }

    /// The instruct profile's tasks: each task's code prompt (HumanEval's, or MBPP's docstring with its first test,
    /// as EvalPlus writes MBPP+ prompts) wrapped in the instruction.
    static func instructTasks(_ benchmark: Benchmark, store: DatasetStore, stops: [String]) throws -> [PromptedTask] {
        let code: [(id: String, prompt: String)]
        switch benchmark {
        case .humaneval: code = try store.humanEval().map { ($0.taskID, $0.prompt) }
        case .humanevalPlus: code = try store.humanEvalPlus().map { ($0.taskID, $0.prompt) }
        case .mbpp:
            code = try store.mbpp().filter { MBPPPrompt.evaluationTaskIDs.contains($0.taskID) }.map {
                ($0.taskIDString, MBPPPrompt.bigcode(text: $0.text, firstTest: $0.testList.first ?? ""))
            }
        case .mbppPlus: code = try store.mbppPlus().map { ($0.taskID, $0.prompt) }
        default: throw PromptingError("profile 'instruct' defines no prompt for \(benchmark.rawValue)")
        }
        return code.map {
            PromptedTask(taskID: $0.id, prompt: InstructPrompt.message(task: $0.prompt), stops: stops, replyPrefix: InstructPrompt.replyPrefix)
        }
    }

    static func mathTaskID(_ p: MATHProblem, prefix: String) -> String {
        "\(prefix)/\(p.index)"  // same ids as `codeeval evaluate math` (0-based line index)
    }

    typealias Shot = (text: String, tests: [String], code: String)

    static func mbppShots(_ all: [MBPPProblem], profile: Profile) throws -> [Shot] {
        guard profile.name != .bigcode else { return [] }
        return try MBPPPrompt.shotTaskIDs.map { id in
            guard let p = all.first(where: { $0.taskID == id }) else {
                throw PromptingError("MBPP few-shot task \(id) is missing from the dataset")
            }
            return (p.text, p.testList, p.code)
        }
    }

    static func mbppPrompt(text: String, tests: [String], shots: [Shot], profile: Profile) -> String {
        if profile.name == .bigcode { return MBPPPrompt.bigcode(text: text, firstTest: tests.first ?? "") }
        return MBPPPrompt.build(text: text, tests: tests, shots: shots)
    }

    /// The hash of the template: the prompt rendered for placeholder inputs, the profile and the stops.
    public static func templateHash(_ benchmark: Benchmark, profile: Profile, mbppShots: [(text: String, tests: [String], code: String)] = []) -> String {
        var rendered: String
        switch benchmark {
        case .humaneval, .humanevalPlus, .humanevalPlusMini: rendered = HumanEvalPrompt.build(prompt: "{prompt}\n", profile: profile)
        case .mbpp, .mbppSanitized: rendered = mbppPrompt(text: "{text}", tests: ["{t0}", "{t1}", "{t2}"], shots: mbppShots, profile: profile)
        case .mbppPlus: rendered = "{prompt}"
        case .gsm8k: rendered = GSM8kPrompt.build(question: "{question}")
        case .math, .math500: rendered = MATHPrompt.build(problem: "{problem}")
        default: rendered = "{section3:\(benchmark.rawValue)}"  // never planned through a profile (see `build`)
        }
        if profile.name == .instruct { rendered = InstructPrompt.message(task: rendered) + InstructPrompt.replyPrefix }
        var h = SHA256Hasher()
        let canonical = ["codeeval-prompt-v1", profile.name.rawValue, benchmark.rawValue, rendered]
            + profile.stops(for: benchmark)
        for part in canonical {
            h.update(Array("\(part.utf8.count):".utf8))
            h.update(Array(part.utf8))
        }
        return h.finalizeHex()
    }
}
