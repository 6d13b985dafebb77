/// The instruct protocol for chat models, as EvalPlus runs chat models on HumanEval(+) and MBPP(+): the task goes
/// to the model as one user message asking for a complete, self-contained program in a fenced block; the assistant's
/// reply is opened for it with a fixed sentence and a ```` ```python ```` fence (where the backend lets us write the
/// start of the reply), generation stops at the closing fence, and the code is taken out of the reply's first fenced
/// block and judged on its own, without the task's prompt in front of it.
public enum InstructPrompt {
    /// EvalPlus's instruction, word for word.
    public static let instruction =
        "Please provide a self-contained Python script that solves the following problem in a markdown code block:"
    /// EvalPlus's opening of the assistant's reply, word for word.
    public static let replyOpening =
        "Below is a Python script with a self-contained function that solves the problem and passes corresponding tests:"
    /// Where generation stops: the line that closes the code block.
    public static let stops = ["\n```\n"]

    /// The user message for a task given as code (HumanEval's signature and docstring, MBPP's docstring).
    public static func message(task: String) -> String {
        "\(instruction)\n```\n\(task.trimmingCharacters(in: .whitespacesAndNewlines))\n```\n"
    }

    /// The start of the assistant's reply that the model continues, when the backend renders the chat itself.
    public static let replyPrefix = "\(replyOpening)\n```python\n"

    /// The code of a reply: the inside of its first fenced block (an unclosed block runs to the end), or the whole
    /// reply when it has no fence at all. A bare fence followed by a line naming the language alone (small chat
    /// models write "```" then "python") has that line dropped: it is the block's tag put on the wrong line, and
    /// as code it is a NameError that EvalPlus's sanitizer, which keeps only definitions and imports, never runs.
    public static func code(fromReply reply: String) -> String {
        var lines = reply.split(separator: "\n", omittingEmptySubsequences: false)[...]
        guard let open = lines.firstIndex(where: { $0.hasPrefix("```") }) else { return reply }
        let bare = lines[open].trimmingCharacters(in: .whitespaces) == "```"
        lines = lines[(open + 1)...]
        if bare, let tag = lines.first, ["python", "python3", "py"].contains(tag.trimmingCharacters(in: .whitespaces).lowercased()) {
            lines = lines.dropFirst()
        }
        if let close = lines.firstIndex(where: { $0.hasPrefix("```") }) { lines = lines[..<close] }
        return lines.joined(separator: "\n")
    }
}
