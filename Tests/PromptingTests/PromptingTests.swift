import Foundation
import DatasetsTestSupport
import Testing
@testable import Prompting
import Datasets

/// Tests are named after the conformance checklist items in docs/conformance.md.
func mirrorStore(sourceLocation: SourceLocation = #_sourceLocation) throws -> DatasetStore {
    try resolvedDatasets(sourceLocation: sourceLocation)
}

@Suite struct StopSequenceTests {
    @Test func item15_humanEvalCutAtEarliestCodexStop() {
        let (text, stop) = StopSequences.truncate("    return 1\n\ndef g():", at: StopSequences.codex)
        #expect(text == "    return 1\n")
        #expect(stop == "\ndef")
        // Earliest occurrence wins regardless of list order.
        #expect(StopSequences.truncate("x\nprint(1)\nclass A", at: StopSequences.codex).text == "x")
        #expect(StopSequences.truncate("    return 2\n", at: StopSequences.codex) == ("    return 2\n", nil))
    }

    @Test func item15_stopsNeverSearchThePrompt() throws {
        // The HumanEval prompt itself contains "\ndef"; only generated text is truncated.
        let prompt = "from typing import List\n\ndef f(x):\n    \"\"\"doc\"\"\"\n"
        let generated = "    return x\n"
        #expect(StopSequences.truncate(generated, at: StopSequences.codex).text == generated)
        #expect(StopSequences.truncate(prompt + generated, at: StopSequences.codex).text != prompt + generated)
    }

    @Test func item16_stopsReappliedLocally() {
        // A backend that honoured only 4 stops may return text containing the fifth.
        let backendStops = Array(StopSequences.codex.prefix(4))
        let fromBackend = "    return 1\nprint(f())"
        #expect(StopSequences.truncate(fromBackend, at: backendStops).text == fromBackend)
        #expect(StopSequences.truncate(fromBackend, at: StopSequences.codex).text == "    return 1")
    }

    @Test func mbppDoneStop() {
        #expect(StopSequences.truncate("def f():\r\n  return 1\n[DONE]\n\nYou are", at: ["[DONE]"]).text == "def f():\r\n  return 1\n")
    }
}

@Suite struct PromptTests {
    @Test func item17_humanEvalPromptByteForByteInLlama1() throws {
        let problems = try mirrorStore().humanEval()
        let set = try PromptSet.build(.humaneval, profile: .llama1, store: mirrorStore())
        #expect(set.tasks.count == 164)
        for (p, t) in zip(problems, set.tasks) {
            #expect(Array(t.prompt.utf8) == Array(p.prompt.utf8))
            #expect(t.prompt.hasSuffix("\n"))
            #expect(t.stops == ["\nclass", "\ndef", "\n#", "\nif", "\nprint"])
        }
    }

    @Test func item17_bigcodeStripsAndAddsStops() {
        #expect(HumanEvalPrompt.build(prompt: "def f():\n    \"\"\"x\"\"\"\n", profile: .bigcode) == "def f():\n    \"\"\"x\"\"\"")
        let stops = Profile.bigcode.stops(for: .humaneval)
        for s in ["\n@", "\n```", "<file_sep>"] { #expect(stops.contains(s)) }
        #expect(Profile.llama1.stops(for: .humaneval) == StopSequences.codex)
    }

    @Test func item18_mbppEvaluationSetAndShots() throws {
        let set = try PromptSet.build(.mbpp, profile: .llama1, store: mirrorStore())
        #expect(set.tasks.count == 500)
        #expect(set.tasks.first?.taskID == "11")
        #expect(set.tasks.last?.taskID == "510")
        #expect(!set.tasks.contains { ["2", "3", "4"].contains($0.taskID) })
        let p = set.tasks[0].prompt
        let i2 = try #require(p.range(of: "similar elements from the given two tuple lists"))
        let i3 = try #require(p.range(of: "identify non-prime numbers"))
        let i4 = try #require(p.range(of: "largest integers from a given list of numbers using heap queue"))
        #expect(i2.lowerBound < i3.lowerBound && i3.lowerBound < i4.lowerBound)
    }

    @Test func item19_mbppPromptExactShape() throws {
        let q = MBPPPrompt.query(text: "Write f.", tests: ["assert f(1)==1", "assert f(2)==2", "assert f(3)==3"])
        #expect(q == "You are an expert Python programmer, and here is your task: Write f. Your code should pass these tests:\n\nassert f(1)==1\nassert f(2)==2\nassert f(3)==3\n[BEGIN]\n")
        let full = MBPPPrompt.build(text: "Q", tests: ["t"], shots: [("A", ["a"], "x\r\ny"), ("B", ["b"], "z")])
        #expect(full == MBPPPrompt.query(text: "A", tests: ["a"]) + "x\r\ny\n[DONE]\n\n"
            + MBPPPrompt.query(text: "B", tests: ["b"]) + "z\n[DONE]\n\n" + MBPPPrompt.query(text: "Q", tests: ["t"]))
        // The real shots keep their \r\n bytes.
        let set = try PromptSet.build(.mbpp, profile: .llama1, store: mirrorStore())
        #expect(set.tasks[0].prompt.utf8.contains(13))
        #expect(set.tasks[0].prompt.hasSuffix("[BEGIN]\n"))
    }

    @Test func item20_mbppStopsAtDone() {
        #expect(Profile.llama1.stops(for: .mbpp) == ["[DONE]"])
        #expect(Profile.lmEval.stops(for: .mbpp) == ["[DONE]"])
    }

    @Test func item21_llama1Temperatures() {
        let p = Profile.llama1
        #expect(p.temperature(for: .mbpp, ks: [1]) == 0.1)
        #expect(p.temperature(for: .mbpp, ks: [80]) == 0.8)
        #expect(p.temperature(for: .humaneval, ks: [1, 10, 100]) == 0.8)
        #expect(p.topP == 0.95)
        #expect(p.defaultSamples(ks: [80], benchmark: .mbpp) >= 80)
        #expect(p.defaultSamples(ks: [100], benchmark: .humaneval) >= 100)
        #expect(p.defaultSamples(ks: [1], benchmark: .humaneval) == 1)
    }

    @Test func item26_gsm8kEightShotCoT() {
        let p = GSM8kPrompt.build(question: "How many?")
        #expect(FewShotExemplars.gsm8kCoT.count == 8)
        #expect(p.hasPrefix("Q: There are 15 trees in the grove."))
        #expect(p.hasSuffix("The answer is 8.\n\nQ: How many?\nA:"))
        #expect(p.components(separatedBy: "\n\nQ: ").count == 9)
        for e in FewShotExemplars.gsm8kCoT {
            #expect(p.contains("Q: \(e.question)\nA: \(e.answer)"))
            #expect(e.answer.range(of: #"The answer is \d+\.$"#, options: .regularExpression) != nil)
        }
        #expect(Profile.llama1.stops(for: .gsm8k) == ["Q:"])
        let answers = FewShotExemplars.gsm8kCoT.map { $0.answer.components(separatedBy: "The answer is ").last ?? "" }
        #expect(answers == ["6.", "5.", "39.", "8.", "9.", "29.", "33.", "8."])
    }

    @Test func item28_mathFourShotMinerva() {
        let p = MATHPrompt.build(problem: "What is 1+1?")
        #expect(FewShotExemplars.minervaMath.count == 4)
        #expect(p.hasPrefix("Problem:\nFind the domain of the expression"))
        #expect(p.hasSuffix("I hope it is correct.\n\nProblem:\nWhat is 1+1?\n\nSolution:"))
        #expect(p.contains("\n\nSolution: The expressions inside each square root"))
        #expect(p.components(separatedBy: "Problem:\n").count == 6)
        let finals = FewShotExemplars.minervaMath.map { $0.answer.components(separatedBy: "\n").last ?? "" }
        #expect(finals == [
            "Final Answer: The final answer is $[2,5)$. I hope it is correct.",
            "Final Answer: The final answer is $24$. I hope it is correct.",
            "Final Answer: The final answer is $16$. I hope it is correct.",
            #"Final Answer: The final answer is $-\frac{2}{3}$. I hope it is correct."#,
        ])
        #expect(p.contains(#"30n&=480\\"# + "\n"))
        #expect(Profile.llama1.stops(for: .math) == ["Problem:"])
    }

    @Test func item38_greedyProfileIsLabelledGreedy() throws {
        let g = try Profile.named("greedy")
        #expect(g.greedy)
        #expect(g.temperature(for: .humaneval, ks: [1]) == 0)
        #expect(g.defaultSamples(ks: [1], benchmark: .humaneval) == 1)
        #expect(!Profile.llama1.greedy)
    }

    @Test func templateHashIsStableAndSensitive() {
        let a = PromptSet.templateHash(.humaneval, profile: .llama1)
        #expect(a == PromptSet.templateHash(.humaneval, profile: .llama1))
        #expect(a.count == 64)
        #expect(a != PromptSet.templateHash(.humaneval, profile: .bigcode))
        #expect(a != PromptSet.templateHash(.humanevalPlus, profile: .llama1))
        #expect(PromptSet.templateHash(.gsm8k, profile: .llama1) != PromptSet.templateHash(.gsm8k, profile: .lmEval))
    }

    @Test func unknownNamesAreClearErrors() {
        #expect(throws: PromptingError.self) { try Profile.named("llama9") }
        #expect(throws: DatasetError.self) { try Benchmark.parse("humaneval2") }
        #expect(!Profile.bigcode.supports(.gsm8k))
        // The scoring-only subsets have no generation protocol, and say so.
        #expect(!Profile.llama1.supports(.mbppSanitized))
        #expect(throws: PromptingError.self) { try PromptSet.build(.humanevalPlusMini, profile: .llama1, store: DatasetStore()) }
    }

    @Test func everyBenchmarkBuildsFromTheMirror() throws {
        let store = try mirrorStore()
        for b in Benchmark.allCases where Profile.llama1.supports(b) {
            let set = try PromptSet.build(b, profile: .llama1, store: store)
            #expect(!set.tasks.isEmpty, "\(b)")
            #expect(Set(set.tasks.map(\.taskID)).count == set.tasks.count, "task ids unique for \(b)")
        }
    }
}
