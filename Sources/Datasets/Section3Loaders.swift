import Foundation

/// Typed loaders of the LLaMA §3 benchmarks. Every malformed record, label line or option list is an error that
/// names the file and line; the record counts are checked against the catalog, so nothing is silently dropped.
extension DatasetStore {
    /// The line-aligned label file of a dataset (`piqa/valid-labels.lst`): each non-empty line must be one of
    /// `allowed`, and there must be exactly one per record. Returns each label's index in `allowed`.
    func labels(_ id: Benchmark, allowed: [String], records: Int) throws -> [Int] {
        let resolved = try locate(id, role: "labels")
        let path = resolved.url.path
        let text = String(decoding: try ByteSource.readAll(path: path), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        if lines.last == "" { lines.removeLast() }
        var out: [Int] = []
        for (i, l) in lines.enumerated() {
            guard let k = allowed.firstIndex(of: l) else {
                throw JSONLError(file: path, line: i + 1, reason: "label \"\(l.prefix(40))\" is not one of \(allowed.joined(separator: ", "))")
            }
            out.append(k)
        }
        guard out.count == records else {
            throw DatasetError("\(path): \(out.count) labels for \(records) records in \(try locate(id).url.path); the files must be line-aligned")
        }
        return out
    }

    /// A string-array field that must hold exactly `count` entries (`nil`: any number from 2).
    static func options(_ f: FieldReader, _ values: [String], field: String, count: Int?) throws -> [String] {
        if let count, values.count != count { throw f.fail("field \"\(field)\": expected \(count) options, got \(values.count)") }
        if values.count < 2 { throw f.fail("field \"\(field)\": expected at least 2 options, got \(values.count)") }
        return values
    }

    public func boolq() throws -> [BoolQItem] {
        try records(.boolq) { f, i in
            let label = try f.value("label")
            guard case let .bool(b) = label else { throw f.fail("field \"label\": expected boolean, got \(label.typeName)") }
            return BoolQItem(id: "boolq/\(i)", question: try f.string("question"), passage: try f.string("passage"), answer: b)
        }
    }

    public func piqa() throws -> [PIQAItem] {
        let items = try records(.piqa) { f, i in (i, try f.string("goal"), [try f.string("sol1"), try f.string("sol2")]) }
        let gold = try labels(.piqa, allowed: ["0", "1"], records: items.count)
        return zip(items, gold).map { PIQAItem(id: "piqa/\($0.0)", goal: $0.1, solutions: $0.2, gold: $1) }
    }

    public func siqa() throws -> [SIQAItem] {
        let items = try records(.siqa) { f, i in
            (i, try f.string("context"), try f.string("question"), [try f.string("answerA"), try f.string("answerB"), try f.string("answerC")])
        }
        let gold = try labels(.siqa, allowed: ["1", "2", "3"], records: items.count)
        return zip(items, gold).map { SIQAItem(id: "siqa/\($0.0)", context: $0.1, question: $0.2, answers: $0.3, gold: $1) }
    }

    public func hellaswag() throws -> [HellaSwagItem] {
        try records(.hellaswag) { f, _ in
            let endings = try Self.options(f, try f.stringArray("endings"), field: "endings", count: 4)
            let gold = try f.int("label")
            guard endings.indices.contains(gold) else { throw f.fail("field \"label\": \(gold) is not an index of the 4 endings") }
            return HellaSwagItem(id: "hellaswag/\(try f.int("ind"))", activityLabel: try f.string("activity_label"),
                                 ctxA: try f.string("ctx_a"), ctxB: try f.string("ctx_b"), endings: endings, gold: gold)
        }
    }

    public func winogrande() throws -> [WinoGrandeItem] {
        let items = try records(.winogrande) { f, _ in
            let sentence = try f.string("sentence")
            guard sentence.filter({ $0 == "_" }).count == 1 else { throw f.fail("field \"sentence\": expected exactly one \"_\" blank") }
            return (try f.string("qID"), sentence, [try f.string("option1"), try f.string("option2")])
        }
        let gold = try labels(.winogrande, allowed: ["1", "2"], records: items.count)
        return zip(items, gold).map { WinoGrandeItem(id: "winogrande/\($0.0)", sentence: $0.1, options: $0.2, gold: $1) }
    }

    /// ARC (3 to 5 choices) and OpenBookQA (exactly 4): `answerKey` must be one of the choices' labels.
    public func scienceQuestions(_ id: Benchmark) throws -> [ScienceQuestion] {
        precondition([.arcEasy, .arcChallenge, .openbookqa].contains(id))
        return try records(id) { f, _ in
            guard let q = try f.value("question").objectValue else { throw f.fail("field \"question\": expected object") }
            let qf = FieldReader(q, file: f.file, line: f.line)
            var labels: [String] = [], texts: [String] = []
            for (i, c) in try qf.array("choices").enumerated() {
                guard let o = c.objectValue else { throw f.fail("field \"question.choices\"[\(i)]: expected object, got \(c.typeName)") }
                let cf = FieldReader(o, file: f.file, line: f.line)
                labels.append(try cf.string("label"))
                texts.append(try cf.string("text"))
            }
            let choices = try Self.options(f, texts, field: "question.choices", count: id == .openbookqa ? 4 : nil)
            if choices.count > 5 { throw f.fail("field \"question.choices\": expected 3 to 5 options, got \(choices.count)") }
            let key = try f.string("answerKey")
            guard let gold = labels.firstIndex(of: key) else {
                throw f.fail("field \"answerKey\": \"\(key)\" is not one of the choice labels \(labels.joined(separator: ", "))")
            }
            return ScienceQuestion(id: "\(id.rawValue)/\(try f.string("id"))", stem: try qf.string("stem"), choices: choices, gold: gold)
        }
    }

    public func naturalQuestions() throws -> [OpenQuestion] {
        try records(.nq) { f, i in
            let answers = try f.stringArray("answer")
            guard !answers.isEmpty else { throw f.fail("field \"answer\": no gold answer") }
            return OpenQuestion(id: "nq/\(i)", question: try f.string("question"), answers: answers)
        }
    }

    /// TriviaQA, Wikipedia half of the filtered dev set: the gold strings are the answer's aliases and its value.
    public func triviaQA() throws -> [OpenQuestion] {
        try records(.triviaqa) { f, _ in
            guard let a = try f.value("answer").objectValue else { throw f.fail("field \"answer\": expected object") }
            let af = FieldReader(a, file: f.file, line: f.line)
            let answers = [try af.string("value")] + (try af.stringArray("aliases"))
            return OpenQuestion(id: "triviaqa/\(try f.string("question_id"))", question: try f.string("question"), answers: answers)
        }
    }

    /// RACE articles of one level (`middle` or `high`), in file-name order; each file is checked against the list.
    public func race(_ id: Benchmark) throws -> [RACEArticle] {
        precondition(id == .raceMiddle || id == .raceHigh)
        let prefix = id == .raceMiddle ? "test/middle/" : "test/high/"
        let (_, files) = try members(id)
        return try files.filter { $0.path.hasPrefix(prefix) }.sorted { $0.path < $1.path }.map {
            try Self.raceArticle(try memberBytes($0), file: $0.url.path)
        }
    }

    /// One RACE file: a JSON object whose questions, options (4 each) and answers (A-D) are parallel lists.
    public static func raceArticle(_ bytes: [UInt8], file: String) throws -> RACEArticle {
        let f = FieldReader(try JSONL.parseLine(bytes, file: file, line: 1), file: file, line: 1)
        let questions = try f.stringArray("questions"), answers = try f.stringArray("answers")
        let options = try f.array("options")
        guard questions.count == answers.count, questions.count == options.count, !questions.isEmpty else {
            throw f.fail("questions, options and answers must be parallel lists (\(questions.count), \(options.count), \(answers.count))")
        }
        let qs = try questions.indices.map { i -> RACEArticle.Question in
            guard let opts = options[i].arrayValue?.compactMap(\.stringValue), opts.count == options[i].arrayValue?.count else {
                throw f.fail("field \"options\"[\(i)]: expected an array of strings")
            }
            guard opts.count == 4 else { throw f.fail("field \"options\"[\(i)]: expected 4 options, got \(opts.count)") }
            guard let g = ["A", "B", "C", "D"].firstIndex(of: answers[i]) else { throw f.fail("field \"answers\"[\(i)]: \"\(answers[i])\" is not A-D") }
            return .init(question: questions[i], options: opts, gold: g)
        }
        return RACEArticle(id: try f.string("id"), article: try f.string("article"), questions: qs)
    }

    /// MMLU questions of one split (`dev`, `val` or `test`), subjects in alphabetical order, rows in file order.
    public func mmlu(split: String) throws -> [MMLUQuestion] {
        let (_, files) = try members(.mmlu)
        let suffix = "_\(split).csv"
        let chosen = files.filter { $0.path.hasPrefix("\(split)/") && $0.path.hasSuffix(suffix) }.sorted { $0.path < $1.path }
        guard !chosen.isEmpty else { throw DatasetError("mmlu: its member list names no \(split) files") }
        return try chosen.flatMap { m in
            try Self.mmluRows(try memberBytes(m), file: m.url.path,
                              subject: String((m.path as NSString).lastPathComponent.dropLast(suffix.count)), split: split)
        }
    }

    /// One MMLU CSV file: headerless rows of question, A, B, C, D, answer letter.
    public static func mmluRows(_ bytes: [UInt8], file: String, subject: String, split: String) throws -> [MMLUQuestion] {
        try CSV.parse(bytes, file: file).enumerated().map { i, r in
            guard r.fields.count == 6 else {
                throw JSONLError(file: file, line: r.line, reason: "expected 6 columns (question, A, B, C, D, answer), got \(r.fields.count)")
            }
            guard let g = ["A", "B", "C", "D"].firstIndex(of: r.fields[5]) else {
                throw JSONLError(file: file, line: r.line, reason: "answer \"\(r.fields[5].prefix(20))\" is not A-D")
            }
            return MMLUQuestion(id: "mmlu/\(subject)/\(split)/\(i)", subject: subject, question: r.fields[0],
                                choices: Array(r.fields[1...4]), gold: g)
        }
    }

    /// Decodes every record of a §3 dataset (its typed loader checks counts, labels and option lists).
    func decodeSection3(_ id: Benchmark) throws -> Int {
        switch id {
        case .boolq: return try boolq().count
        case .piqa: return try piqa().count
        case .siqa: return try siqa().count
        case .hellaswag: return try hellaswag().count
        case .winogrande: return try winogrande().count
        case .arcEasy, .arcChallenge, .openbookqa: return try scienceQuestions(id).count
        case .nq: return try naturalQuestions().count
        case .triviaqa: return try triviaQA().count
        case .raceMiddle, .raceHigh: return try race(id).reduce(0) { $0 + $1.questions.count }
        case .mmlu: return try mmlu(split: "test").count + mmlu(split: "dev").count
        default: throw DatasetError("\(id.rawValue) is not a §3 dataset")
        }
    }
}
