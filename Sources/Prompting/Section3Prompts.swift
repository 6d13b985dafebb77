import Datasets
import Foundation
import Support

/// One item of a §3 benchmark as the model sees it.
///
/// Multiple choice: option `i` is the text `continuations[i]` scored after `contexts[i]` (the same context for
/// every option except WinoGrande, whose options differ in the context and share the continuation).
/// Free-form QA: the model continues `contexts[0]` greedily and the answer must match one of `answers`.
public struct Section3Item: Sendable, Equatable {
    public let taskID: String
    /// MMLU subject (`abstract_algebra`), else nil.
    public let subject: String?
    public let contexts: [String]
    public let continuations: [String]
    public let gold: Int
    public let answers: [String]

    public init(taskID: String, subject: String?, contexts: [String], continuations: [String], gold: Int, answers: [String]) {
        self.taskID = taskID
        self.subject = subject
        self.contexts = contexts
        self.continuations = continuations
        self.gold = gold
        self.answers = answers
    }
}

/// All items of one §3 benchmark at a number of shots, with what the protocol needs besides the items.
public struct Section3PromptSet: Sendable {
    public let benchmark: Benchmark
    public let shots: Int
    public let items: [Section3Item]
    /// The context of the unconditional score log P(option | "Answer:") (OpenBookQA and BoolQ, as the paper does).
    public let unconditionalContext: String?
    /// Stop sequences of the free-form answers.
    public let stops: [String]
    /// Longest free-form answer, in tokens.
    public let maxTokens: Int
    /// SHA-256 of the formats rendered for placeholder inputs, the shots, stops and the unconditional context.
    public let templateHash: String
}

/// The prompt formats of LLaMA §3, written as lm-evaluation-harness writes them (Gao et al. 2021), with GPT-3's
/// (Brown et al. 2020) where the paper follows it. docs/likelihood.md lists each with its source.
public enum Section3Prompts {
    /// The shot counts the paper reports, per benchmark (the first is the default).
    public static func allowedShots(_ b: Benchmark) -> [Int] {
        switch b {
        case .nq, .triviaqa: return [0, 1, 5, 64]
        case .mmlu: return [5, 0]
        default: return [0]
        }
    }

    public static let qaStops = ["\n", ".", ","]
    public static let qaMaxTokens = 32
    public static let unconditionalContext = "Answer:"

    public static func build(_ b: Benchmark, shots: Int? = nil, store: DatasetStore) throws -> Section3PromptSet {
        let allowed = allowedShots(b)
        guard !allowed.isEmpty else { throw PromptingError("\(b.rawValue) is not a likelihood or exact-match benchmark") }
        let k = shots ?? allowed[0]
        guard allowed.contains(k) else {
            throw PromptingError("\(b.rawValue) is evaluated \(allowed.map { "\($0)-shot" }.joined(separator: ", ")) in the paper; --shots \(k) is not one of them")
        }
        let items: [Section3Item]
        switch b {
        case .boolq: items = try store.boolq().map(boolq)
        case .piqa: items = try store.piqa().map { choice($0.id, "Question: \($0.goal)\nAnswer:", $0.solutions, $0.gold) }
        case .siqa: items = try store.siqa().map { choice($0.id, "Q: \($0.context) \($0.question)\nA:", $0.answers, $0.gold) }
        case .hellaswag: items = try store.hellaswag().map(hellaswag)
        case .winogrande: items = try store.winogrande().map(winogrande)
        case .arcEasy, .arcChallenge: items = try store.scienceQuestions(b).map { choice($0.id, "Question: \($0.stem)\nAnswer:", $0.choices, $0.gold) }
        case .openbookqa: items = try store.scienceQuestions(b).map { choice($0.id, $0.stem, $0.choices, $0.gold) }
        case .raceMiddle, .raceHigh: items = try store.race(b).flatMap(race)
        case .mmlu: items = try mmlu(test: store.mmlu(split: "test"), dev: store.mmlu(split: "dev"), shots: k)
        case .nq: items = qa(try store.naturalQuestions(), shots: k, render: nq)
        case .triviaqa: items = qa(try store.triviaQA(), shots: k, render: triviaqa)
        default: throw PromptingError("\(b.rawValue) is not a likelihood or exact-match benchmark")
        }
        let uncond = (b == .openbookqa || b == .boolq) ? unconditionalContext : nil
        let qaTask = b.scoring == .exactMatch
        return Section3PromptSet(benchmark: b, shots: k, items: items, unconditionalContext: uncond,
                                 stops: qaTask ? qaStops : [], maxTokens: qaTask ? qaMaxTokens : 0,
                                 templateHash: templateHash(b, shots: k, unconditional: uncond, stops: qaTask ? qaStops : []))
    }

    // MARK: Formats

    /// Context and options joined as lm-evaluation-harness does (`target_delimiter` " " before each option).
    public static func choice(_ id: String, _ context: String, _ options: [String], _ gold: Int, subject: String? = nil) -> Section3Item {
        Section3Item(taskID: id, subject: subject, contexts: Array(repeating: context, count: options.count),
                     continuations: options.map { " " + $0 }, gold: gold, answers: [])
    }

    static func boolq(_ x: BoolQItem) -> Section3Item {
        choice(x.id, "\(x.passage)\nQuestion: \(x.question)?\nAnswer:", ["no", "yes"], x.answer ? 1 : 0)
    }

    /// HellaSwag's preprocessing (lm-evaluation-harness `hellaswag/utils.py`): WikiHow bracket artefacts removed.
    static func hellaswagClean(_ text: String) -> String {
        var t = text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: " [title]", with: ". ")
        t = t.replacingOccurrences(of: "\\[.*?\\]", with: "", options: .regularExpression)
        return t.replacingOccurrences(of: "  ", with: " ")
    }

    /// Python's `str.capitalize`: first character upper case, the rest lower case.
    static func capitalize(_ s: String) -> String {
        guard let first = s.first else { return s }
        return first.uppercased() + s.dropFirst().lowercased()
    }

    static func hellaswag(_ x: HellaSwagItem) -> Section3Item {
        let query = hellaswagClean(x.activityLabel + ": " + x.ctxA + " " + capitalize(x.ctxB))
        return choice(x.id, query, x.endings.map(hellaswagClean), x.gold)
    }

    /// WinoGrande's partial scoring: each option fills the blank in the context; the rest of the sentence is the
    /// continuation scored after both.
    static func winogrande(_ x: WinoGrandeItem) -> Section3Item {
        let blank = x.sentence.firstIndex(of: "_")!
        let before = String(x.sentence[..<blank])
        let after = String(x.sentence[x.sentence.index(after: blank)...]).trimmingCharacters(in: .whitespaces)
        return Section3Item(taskID: x.id, subject: nil, contexts: x.options.map { before + $0 },
                            continuations: Array(repeating: " " + after, count: x.options.count), gold: x.gold, answers: [])
    }

    /// RACE as lm-evaluation-harness writes it (`race/preprocess_race.py`): the article, then the article's earlier
    /// questions with their answers, then the question. The harness scores one question per article (the last); here
    /// question `j` is scored with questions `0..<j` answered before it, which is the harness's prompt for the
    /// article cut after question `j`, so every question of the test set counts.
    static func race(_ a: RACEArticle) -> [Section3Item] {
        var text = "Article: " + a.article + "\n\n"
        var out: [Section3Item] = []
        for (j, q) in a.questions.enumerated() {
            out.append(choice("\(a.id)#\(j)", text + q.question, q.options, q.gold))
            let answer = q.options[q.gold]
            if q.question.hasSuffix("  _  .") {
                text += String(q.question.suffix(5)) + answer + "\n"
            } else {
                text += "Question: " + q.question + "\n" + "Answer: " + answer + "\n"
            }
        }
        return out
    }

    /// MMLU (Hendrycks et al. 2021, as lm-evaluation-harness's `mmlu` task): a subject header, `shots` answered dev
    /// questions of the same subject, the question; options are the letters.
    static func mmluQuestion(_ q: MMLUQuestion) -> String {
        let letters = ["A", "B", "C", "D"]
        return q.question.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
            + zip(letters, q.choices).map { "\($0). \($1)\n" }.joined() + "Answer:"
    }

    static func mmlu(test: [MMLUQuestion], dev: [MMLUQuestion], shots: Int) throws -> [Section3Item] {
        let devBySubject = Dictionary(grouping: dev, by: \.subject)
        return try test.map { q in
            let pool = devBySubject[q.subject] ?? []
            guard pool.count >= shots else { throw PromptingError("mmlu: subject \(q.subject) has \(pool.count) dev questions, \(shots) shots needed") }
            let header = "The following are multiple choice questions (with answers) about \(q.subject.replacingOccurrences(of: "_", with: " ")).\n\n"
            let examples = pool.prefix(shots).map { mmluQuestion($0) + " " + ["A", "B", "C", "D"][$0.gold] + "\n\n" }.joined()
            return choice(q.id, header + examples + mmluQuestion(q), ["A", "B", "C", "D"], q.gold, subject: q.subject)
        }
    }

    /// NaturalQuestions-open (lm-evaluation-harness `nq_open`): a one-line instruction, shots one per line pair.
    static func nq(_ shots: [OpenQuestion], _ q: OpenQuestion) -> String {
        "Answer these questions:\n" + shots.map { "Q: \($0.question)?\nA: \($0.answers[0])\n" }.joined() + "Q: \(q.question)?\nA:"
    }

    /// TriviaQA (lm-evaluation-harness `triviaqa`): shots separated by a blank line.
    static func triviaqa(_ shots: [OpenQuestion], _ q: OpenQuestion) -> String {
        shots.map { "Question: \($0.question)?\nAnswer: \($0.answers[0])\n\n" }.joined() + "Question: \(q.question)?\nAnswer:"
    }

    /// Only the evaluation split is available, so the shots come from it: the first `shots` questions in file
    /// order, skipping the one being asked (the harness draws them from the train split).
    static func qa(_ all: [OpenQuestion], shots: Int, render: ([OpenQuestion], OpenQuestion) -> String) -> [Section3Item] {
        let pool = Array(all.prefix(shots + 1))
        return all.map { q in
            let exemplars = Array(pool.filter { $0.id != q.id }.prefix(shots))
            return Section3Item(taskID: q.id, subject: nil, contexts: [render(exemplars, q)], continuations: [], gold: 0, answers: q.answers)
        }
    }

    // MARK: Template hash

    /// The formats rendered for placeholder records, so the hash changes whenever anything but the data would.
    public static func templateHash(_ b: Benchmark, shots: Int, unconditional: String?, stops: [String]) -> String {
        let ph = { (s: String) in "{\(s)}" }
        let q = OpenQuestion(id: "q", question: ph("question"), answers: [ph("answer")])
        let s = OpenQuestion(id: "s", question: ph("shot"), answers: [ph("shot answer")])
        let mq = MMLUQuestion(id: "m", subject: "sub_ject", question: ph("question"), choices: ["{a}", "{b}", "{c}", "{d}"], gold: 1)
        let samples: [Section3Item]
        switch b {
        case .boolq: samples = [boolq(BoolQItem(id: "b", question: ph("question"), passage: ph("passage"), answer: true))]
        case .piqa: samples = [choice("p", "Question: {goal}\nAnswer:", ["{sol1}", "{sol2}"], 0)]
        case .siqa: samples = [choice("s", "Q: {context} {question}\nA:", ["{a}", "{b}", "{c}"], 0)]
        case .hellaswag: samples = [hellaswag(HellaSwagItem(id: "h", activityLabel: "Label", ctxA: "A [title] b.", ctxB: "cD", endings: ["e [x]"], gold: 0))]
        case .winogrande: samples = [winogrande(WinoGrandeItem(id: "w", sentence: "{before} _ {after}", options: ["{o1}", "{o2}"], gold: 0))]
        case .arcEasy, .arcChallenge: samples = [choice("a", "Question: {stem}\nAnswer:", ["{c}"], 0)]
        case .openbookqa: samples = [choice("o", "{stem}", ["{c}"], 0)]
        case .raceMiddle, .raceHigh:
            samples = race(RACEArticle(id: "r", article: ph("article"), questions: [
                .init(question: "{q1}", options: ["{a}", "{b}", "{c}", "{d}"], gold: 0),
                .init(question: "{cloze}  _  .", options: ["{a}", "{b}", "{c}", "{d}"], gold: 1),
                .init(question: "{q3}", options: ["{a}", "{b}", "{c}", "{d}"], gold: 2)]))
        case .mmlu: samples = (try? mmlu(test: [mq], dev: Array(repeating: mq, count: shots), shots: shots)) ?? []
        case .nq: samples = [Section3Item(taskID: "n", subject: nil, contexts: [nq(Array(repeating: s, count: shots), q)], continuations: [], gold: 0, answers: [])]
        case .triviaqa: samples = [Section3Item(taskID: "t", subject: nil, contexts: [triviaqa(Array(repeating: s, count: shots), q)], continuations: [], gold: 0, answers: [])]
        default: samples = []
        }
        var h = SHA256Hasher()
        let parts = ["codeeval-section3-v1", b.rawValue, "\(shots)", unconditional ?? "-"] + stops
            + samples.flatMap { $0.contexts + ["|"] + $0.continuations }
        for part in parts {
            h.update(Array("\(part.utf8.count):".utf8))
            h.update(Array(part.utf8))
        }
        return h.finalizeHex()
    }
}
