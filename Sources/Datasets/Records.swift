import Foundation

/// A HumanEval problem (openai/human-eval `HumanEval.jsonl.gz`).
public struct HumanEvalProblem: Sendable, Equatable {
    public let taskID: String
    public let prompt: String
    public let canonicalSolution: String
    public let test: String
    public let entryPoint: String

    public init(taskID: String, prompt: String, canonicalSolution: String, test: String, entryPoint: String) {
        self.taskID = taskID
        self.prompt = prompt
        self.canonicalSolution = canonicalSolution
        self.test = test
        self.entryPoint = entryPoint
    }

    init(_ f: FieldReader) throws {
        taskID = try f.string("task_id")
        prompt = try f.string("prompt")
        canonicalSolution = try f.string("canonical_solution")
        test = try f.string("test")
        entryPoint = try f.string("entry_point")
    }
}

/// An MBPP problem (google-research `mbpp.jsonl`, or the sanitized file, where `prompt` replaces `text`).
public struct MBPPProblem: Sendable, Equatable {
    public let taskID: Int
    public let text: String
    /// Reference solution; keeps its original `\r\n` bytes (the few-shot prompt depends on them).
    public let code: String
    public let testList: [String]
    public let testSetupCode: String
    public let challengeTestList: [String]
    /// Import lines the tests need (sanitized MBPP only).
    public let testImports: [String]

    public var taskIDString: String { String(taskID) }

    /// A problem in MBPP's shape that is not in the data set (a private task, a test's synthetic one).
    public init(taskID: Int, text: String, code: String, testList: [String], testSetupCode: String = "",
                challengeTestList: [String] = [], testImports: [String] = []) {
        self.taskID = taskID
        self.text = text
        self.code = code
        self.testList = testList
        self.testSetupCode = testSetupCode
        self.challengeTestList = challengeTestList
        self.testImports = testImports
    }

    init(_ f: FieldReader, sanitized: Bool) throws {
        taskID = try f.int("task_id")
        text = try f.string(sanitized ? "prompt" : "text")
        code = try f.string("code")
        testList = try f.stringArray("test_list")
        testSetupCode = sanitized ? "" : (try f.optionalString("test_setup_code") ?? "")
        challengeTestList = f.object["challenge_test_list"] == nil ? [] : try f.stringArray("challenge_test_list")
        testImports = f.object["test_imports"] == nil ? [] : try f.stringArray("test_imports")
    }
}

/// A GSM8k problem (openai/grade-school-math).
public struct GSM8kProblem: Sendable, Equatable {
    /// 0-based line index in the file; task ids are `gsm8k/<index>`.
    public let index: Int
    public let question: String
    /// The full worked solution, ending with `#### <answer>`.
    public let answer: String

    public var taskID: String { "gsm8k/\(index)" }
}

/// A MATH problem. From the full test set (`answer`/`uniqueID` joined from test_answers) or MATH-500.
public struct MATHProblem: Sendable, Equatable {
    /// 0-based line index in the dataset file.
    public let index: Int
    /// Original path id, e.g. `test/prealgebra/126.json`.
    public let uniqueID: String?
    public let problem: String
    public let solution: String
    /// `Level 1` … `Level 5` (MATH-500's integer levels are converted to this form).
    public let level: String
    /// Subject (`Algebra`, `Number Theory`, …).
    public let type: String
    /// Final answer string, when the dataset provides one.
    public let answer: String?
}

/// A HumanEval+ or MBPP+ problem (EvalPlus). Inputs are lists of argument lists.
public struct EvalPlusProblem: Sendable, Equatable {
    public let taskID: String
    public let prompt: String
    public let canonicalSolution: String
    public let entryPoint: String
    /// HumanEval+'s `test` or MBPP+'s `assertion` (the original asserts); empty in HumanEval+ Mini, which is only
    /// used differentially.
    public let test: String
    public let contract: String
    public let baseInputs: [JSONValue]
    public let plusInputs: [JSONValue]
    public let atol: Double

    init(_ f: FieldReader, testField: String) throws {
        taskID = try f.string("task_id")
        prompt = try f.string("prompt")
        canonicalSolution = try f.string("canonical_solution")
        entryPoint = try f.string("entry_point")
        test = try f.optionalString(testField) ?? ""
        contract = try f.optionalString("contract") ?? ""
        baseInputs = try f.inputList("base_input")
        plusInputs = try f.inputList("plus_input")
        atol = try f.double("atol")
    }
}
