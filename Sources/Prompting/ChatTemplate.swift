import Foundation

/// One message of a chat request (roles as OpenAI names them).
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable { case system, user, assistant }
    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

/// The chat formats we render, recognised from the text of the GGUF's `tokenizer.chat_template`. We do not run
/// Jinja: each family's template is fixed apart from a few choices (a default system prompt, a date preamble) that
/// are read from its text, and an unrecognised template is refused rather than approximated, because a prompt in
/// the wrong format silently lowers every score. The rendered text carries no BOS: the prompt is encoded with the
/// tokenizer's own BOS rule, as llama.cpp's server does.
public struct ChatTemplate: Sendable, Equatable {
    public enum Family: String, Sendable { case chatml, gemma, llama3 }

    public let family: Family
    /// ChatML templates (Qwen2.5, SmolLM2) insert a system turn of their own when the conversation has none.
    var defaultSystem: String?
    /// Gemma 2 raises on a system message; Gemma 3 prefixes it to the first user turn.
    var gemmaRejectsSystem = false
    /// Llama 3.1+ opens the system turn with a knowledge cutoff and today's date ("26 Jul 2024" unless the template
    /// asks for the current date with `strftime_now`).
    var llamaDatePreamble: String?

    /// The text that ends a turn: also a stop sequence, in case the tokenizer does not mark it end-of-generation.
    public var endOfTurn: String {
        switch family {
        case .chatml: return "<|im_end|>"
        case .gemma: return "<end_of_turn>"
        case .llama3: return "<|eot_id|>"
        }
    }

    /// Recognises a template by its turn markers; nil when it is none of our families.
    public init?(source: String) {
        if source.contains("<|im_start|>") && source.contains("<|im_end|>") {
            family = .chatml
            // The default system turn is the one literal holding a whole system turn: `'<|im_start|>system\n…<|im_end|>`
            // (the turn built from the request's own system message is split by `+ messages[0]['content'] +`).
            if let m = source.firstMatch(of: /<\|im_start\|>system\\n([^'"+{}]*?)<\|im_end\|>/) {
                defaultSystem = Self.unescape(String(m.1))
            }
        } else if source.contains("<start_of_turn>") && source.contains("<end_of_turn>") {
            family = .gemma
            gemmaRejectsSystem = source.contains("System role not supported")
        } else if source.contains("<|start_header_id|>") && source.contains("<|eot_id|>") {
            family = .llama3
            if source.contains("Cutting Knowledge Date: December 2023") {
                var date = "26 Jul 2024"
                if source.contains("strftime_now") {
                    let f = DateFormatter()
                    f.locale = Locale(identifier: "en_US_POSIX")
                    f.dateFormat = "dd MMM yyyy"
                    date = f.string(from: Date())
                }
                llamaDatePreamble = "Cutting Knowledge Date: December 2023\nToday Date: \(date)\n\n"
            }
        } else {
            return nil
        }
    }

    /// The conversation followed by the assistant's generation prompt.
    public func render(_ messages: [ChatMessage]) throws(PromptingError) -> String {
        switch family {
        case .chatml:
            var out = ""
            if let defaultSystem, messages.first?.role != .system {
                out += "<|im_start|>system\n\(defaultSystem)<|im_end|>\n"
            }
            for m in messages { out += "<|im_start|>\(m.role.rawValue)\n\(m.content)<|im_end|>\n" }
            return out + "<|im_start|>assistant\n"
        case .gemma:
            var turns = messages[...]
            var prefix = ""
            if let first = turns.first, first.role == .system {
                if gemmaRejectsSystem { throw PromptingError("this model's chat template does not support a system message") }
                prefix = first.content + "\n\n"
                turns = turns.dropFirst()
            }
            var out = ""
            for (i, m) in turns.enumerated() {
                guard (m.role == .user) == (i % 2 == 0), m.role != .system else {
                    throw PromptingError("this model's chat template needs the messages to alternate user/assistant/user/..., "
                                      + "after at most one leading system message")
                }
                out += "<start_of_turn>\(m.role == .assistant ? "model" : "user")\n\(i == 0 ? prefix : "")"
                out += m.content.trimmingCharacters(in: .whitespacesAndNewlines) + "<end_of_turn>\n"
            }
            return out + "<start_of_turn>model\n"
        case .llama3:
            func turn(_ role: String, _ text: String) -> String {
                "<|start_header_id|>\(role)<|end_header_id|>\n\n\(text.trimmingCharacters(in: .whitespacesAndNewlines))<|eot_id|>"
            }
            var out = "", turns = messages[...]
            if let llamaDatePreamble {
                // 3.1+ always has a system turn: the preamble, then the request's system message if it starts with one.
                var system = ""
                if let first = turns.first, first.role == .system {
                    system = first.content.trimmingCharacters(in: .whitespacesAndNewlines)
                    turns = turns.dropFirst()
                }
                out += "<|start_header_id|>system<|end_header_id|>\n\n\(llamaDatePreamble)\(system)<|eot_id|>"
            }
            for m in turns { out += turn(m.role.rawValue, m.content) }
            return out + "<|start_header_id|>assistant<|end_header_id|>\n\n"
        }
    }

    /// Jinja string-literal escapes that occur in default system prompts.
    static func unescape(_ s: String) -> String {
        var out = "", it = s.makeIterator()
        while let c = it.next() {
            guard c == "\\", let e = it.next() else { out.append(c); continue }
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            default: out.append(e)
            }
        }
        return out
    }
}
