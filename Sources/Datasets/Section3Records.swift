/// Records of the LLaMA §3 benchmarks that are not code or maths, decoded from their own files. Each keeps its
/// dataset's fields; the prompt formats (Prompting) decide how they become a context and answer options.
/// `gold` is always the 0-based index of the correct option.

/// BoolQ (SuperGLUE validation): a passage, a yes/no question, the answer.
public struct BoolQItem: Sendable, Equatable {
    public let id: String
    public let question: String
    public let passage: String
    public let answer: Bool
    public init(id: String, question: String, passage: String, answer: Bool) {
        self.id = id
        self.question = question
        self.passage = passage
        self.answer = answer
    }
}

/// PIQA: a goal and two solutions.
public struct PIQAItem: Sendable, Equatable {
    public let id: String
    public let goal: String
    public let solutions: [String]
    public let gold: Int
    public init(id: String, goal: String, solutions: [String], gold: Int) {
        self.id = id
        self.goal = goal
        self.solutions = solutions
        self.gold = gold
    }
}

/// Social IQa: a context, a question and three answers.
public struct SIQAItem: Sendable, Equatable {
    public let id: String
    public let context: String
    public let question: String
    public let answers: [String]
    public let gold: Int
    public init(id: String, context: String, question: String, answers: [String], gold: Int) {
        self.id = id
        self.context = context
        self.question = question
        self.answers = answers
        self.gold = gold
    }
}

/// HellaSwag: an activity label, a context in two parts and four endings.
public struct HellaSwagItem: Sendable, Equatable {
    public let id: String
    public let activityLabel: String
    public let ctxA: String
    public let ctxB: String
    public let endings: [String]
    public let gold: Int
    public init(id: String, activityLabel: String, ctxA: String, ctxB: String, endings: [String], gold: Int) {
        self.id = id
        self.activityLabel = activityLabel
        self.ctxA = ctxA
        self.ctxB = ctxB
        self.endings = endings
        self.gold = gold
    }
}

/// WinoGrande: a sentence with one `_` and the two options that can fill it.
public struct WinoGrandeItem: Sendable, Equatable {
    public let id: String
    public let sentence: String
    public let options: [String]
    public let gold: Int
    public init(id: String, sentence: String, options: [String], gold: Int) {
        self.id = id
        self.sentence = sentence
        self.options = options
        self.gold = gold
    }
}

/// ARC and OpenBookQA: a question stem and its labelled choices.
public struct ScienceQuestion: Sendable, Equatable {
    public let id: String
    public let stem: String
    public let choices: [String]
    public let gold: Int
    public init(id: String, stem: String, choices: [String], gold: Int) {
        self.id = id
        self.stem = stem
        self.choices = choices
        self.gold = gold
    }
}

/// NaturalQuestions-open and TriviaQA: a question and every answer string that counts as correct.
public struct OpenQuestion: Sendable, Equatable {
    public let id: String
    public let question: String
    public let answers: [String]
    public init(id: String, question: String, answers: [String]) {
        self.id = id
        self.question = question
        self.answers = answers
    }
}

/// One RACE article (one file of the original layout) with its questions in order.
public struct RACEArticle: Sendable, Equatable {
    public struct Question: Sendable, Equatable {
        public let question: String
        public let options: [String]
        public let gold: Int
        public init(question: String, options: [String], gold: Int) {
            self.question = question
            self.options = options
            self.gold = gold
        }
    }
    /// The file name, `high10001.txt`.
    public let id: String
    public let article: String
    public let questions: [Question]
    public init(id: String, article: String, questions: [Question]) {
        self.id = id
        self.article = article
        self.questions = questions
    }
}

/// One MMLU question: its subject (the file name's stem, `abstract_algebra`), four choices and the answer.
public struct MMLUQuestion: Sendable, Equatable {
    public let id: String
    public let subject: String
    public let question: String
    public let choices: [String]
    public let gold: Int
    public init(id: String, subject: String, question: String, choices: [String], gold: Int) {
        self.id = id
        self.subject = subject
        self.question = question
        self.choices = choices
        self.gold = gold
    }
}
