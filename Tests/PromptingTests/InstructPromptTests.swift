import Datasets
import Testing
@testable import Prompting

@Suite struct InstructPromptTests {
    @Test func codeComesFromTheFirstFencedBlock() {
        // A reply opened by us: the fence line is ours, the model closes it.
        #expect(InstructPrompt.code(fromReply: InstructPrompt.replyPrefix + "def f():\n    return 1\n```\nprint(f())")
                == "def f():\n    return 1")
        // A chat reply with prose around the block; a later block is ignored.
        #expect(InstructPrompt.code(fromReply: "Sure!\n```python\nx = 1\n```\nAlso:\n```\ny = 2\n```") == "x = 1")
        // An unclosed block runs to the end; a reply without any fence is taken whole.
        #expect(InstructPrompt.code(fromReply: "```py\ndef g(): pass\n") == "def g(): pass\n")
        #expect(InstructPrompt.code(fromReply: "def h(): return 2") == "def h(): return 2")
        // The language on the line after a bare fence is the tag, not code; a bare fence's own first line of code stays.
        #expect(InstructPrompt.code(fromReply: "```\npython\ndef k(): return 3\n```") == "def k(): return 3")
        #expect(InstructPrompt.code(fromReply: "```\nPython \nx = 1\n```") == "x = 1")
        #expect(InstructPrompt.code(fromReply: "```\npython_version = 3\n```") == "python_version = 3")
        #expect(InstructPrompt.code(fromReply: "```python\npython\n```") == "python")
    }

    @Test func messageWrapsTheTaskAsEvalPlusDoes() {
        #expect(InstructPrompt.message(task: "\n def f():\n    \"\"\"doc\"\"\"\n")
                == "Please provide a self-contained Python script that solves the following problem in a markdown code block:\n"
                + "```\ndef f():\n    \"\"\"doc\"\"\"\n```\n")
        #expect(InstructPrompt.replyPrefix.hasSuffix(":\n```python\n"))
    }

    @Test func profileCoversTheCodeBenchmarksOnly() throws {
        let p = try Profile.named("instruct")
        #expect(p.greedy && p.maxTokens(for: .humaneval) == 768 && p.stops(for: .mbpp) == ["\n```\n"])
        #expect([Benchmark.humaneval, .humanevalPlus, .mbpp, .mbppPlus].allSatisfy(p.supports))
        #expect(![Benchmark.gsm8k, .math, .math500, .mbppSanitized].contains(where: p.supports))
    }

    @Test func humanEvalAndMBPPTasksAreChatMessages() throws {
        let store = try mirrorStore()
        let he = try PromptSet.build(.humaneval, profile: .instruct, store: store)
        let first = try store.humanEval()[0]
        #expect(he.tasks.count == 164)
        #expect(he.tasks[0].prompt == InstructPrompt.message(task: first.prompt))
        #expect(he.tasks[0].replyPrefix == InstructPrompt.replyPrefix)
        #expect(he.templateHash != PromptSet.templateHash(.humaneval, profile: .llama1))
        let mbpp = try PromptSet.build(.mbpp, profile: .instruct, store: store)
        #expect(mbpp.tasks.count == 500 && mbpp.tasks[0].taskID == "11")
        #expect(mbpp.tasks[0].prompt.contains("assert ") && mbpp.tasks[0].prompt.contains("\"\"\""))
        // The base profiles' tasks are not chat tasks.
        #expect(try PromptSet.build(.humaneval, profile: .llama1, store: store).tasks.allSatisfy { $0.replyPrefix == nil })
    }
}
