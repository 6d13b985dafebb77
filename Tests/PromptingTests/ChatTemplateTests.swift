import Testing
@testable import Prompting

/// Templates as the GGUFs of our registry models carry them.
@Suite struct ChatTemplateTests {
    static let smolLM2 = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    /// The non-tool half of Qwen2.5's template (its tool half only adds turns built from the request).
    static let qwen25 = "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0]['role'] == 'system' %}\n        {{- messages[0]['content'] }}\n{%- else %}\n    {%- if messages[0]['role'] == 'system' %}\n        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n    {%- else %}\n        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}\n    {%- endif %}\n{%- endif %}"
    static let gemma3 = "{{ bos_token }}{%- if messages[0]['role'] == 'system' -%}{%- set first_user_prefix = messages[0]['content'] + '\\n\\n' -%}{{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else \"\") }}{{ '<end_of_turn>\\n' }}"
    static let llama3 = "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}"

    @Test func chatTemplatesRenderAsTheirModelsExpect() throws {
        let user = [ChatMessage(role: .user, content: "Hi")]
        let smol = try #require(ChatTemplate(source: Self.smolLM2))
        #expect(try smol.render(user) == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(try smol.render([ChatMessage(role: .system, content: "S")] + user) == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        let qwen = try #require(ChatTemplate(source: Self.qwen25))
        #expect(qwen.defaultSystem == "You are Qwen, created by Alibaba Cloud. You are a helpful assistant." && qwen.endOfTurn == "<|im_end|>")

        let gemma = try #require(ChatTemplate(source: Self.gemma3))
        let convo = [ChatMessage(role: .system, content: "Be brief."), ChatMessage(role: .user, content: " Hi "),
                     ChatMessage(role: .assistant, content: "Hello"), ChatMessage(role: .user, content: "Bye")]
        #expect(try gemma.render(convo) == "<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello<end_of_turn>\n<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n")
        #expect(throws: PromptingError.self) { try gemma.render([ChatMessage(role: .assistant, content: "x")]) }
        #expect(throws: PromptingError.self) { try gemma.render(user + user) }

        let llama = try #require(ChatTemplate(source: Self.llama3))
        #expect(try llama.render([ChatMessage(role: .system, content: "S ")] + user) == "<|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
        let llama31 = try #require(ChatTemplate(source: Self.llama3 + "{{- \"Cutting Knowledge Date: December 2023\\n\" }}"))
        #expect(try llama31.render(user).hasPrefix("<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user"))

        #expect(ChatTemplate(source: "{% for m in messages %}[INST] {{ m['content'] }} [/INST]{% endfor %}") == nil)
    }
}
