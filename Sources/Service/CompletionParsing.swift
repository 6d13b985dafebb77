import Datasets
import Foundation

/// OpenAI `/v1/completions` request/response shapes (the subset our engine serves).
enum CompletionParsing {
    static let fields: Set<String> = ["model", "prompt", "max_tokens", "temperature", "top_p", "n", "stop", "seed"]

    static func parse(_ body: [UInt8], models: [String]) throws(ServiceError) -> CompletionRequest {
        let f = try StrictFields(try parseJSONBody(body), allowed: fields)
        let model = try f.string("model", maxBytes: 128)
        guard models.contains(model) else {
            throw .badRequest("field \"model\": unknown model \"\(model)\" (served: \(models.joined(separator: ", ")))")
        }
        let prompt = try f.string("prompt", maxBytes: 256 * 1024)
        let stop = try f.optionalStrings("stop", maxCount: 4, maxBytes: 256) ?? []
        let seed = try f.optionalInt("seed", range: 0...Int.max)
        return CompletionRequest(
            model: model, prompt: prompt, maxTokens: try f.optionalInt("max_tokens", range: 1...4096) ?? 16,
            temperature: try f.optionalNumber("temperature", range: 0...2) ?? 1,
            topP: try f.optionalNumber("top_p", range: 0...1) ?? 1, n: try f.optionalInt("n", range: 1...16) ?? 1,
            stop: stop, seed: seed.map { UInt64($0) })
    }

    static func response(_ request: CompletionRequest, _ choices: [CompletionChoice]) -> JSONObject {
        let promptTokens = choices.first?.promptTokens ?? 0
        let completionTokens = choices.reduce(0) { $0 + $1.completionTokens }
        return JSONObject([
            ("id", .string("cmpl-" + UUID().uuidString.lowercased())),
            ("object", .string("text_completion")),
            ("created", .int(Int(Date().timeIntervalSince1970))),
            ("model", .string(request.model)),
            ("choices", .array(choices.enumerated().map { i, c in
                .object(JSONObject([
                    ("text", .string(c.text)), ("index", .int(i)), ("logprobs", .null),
                    ("finish_reason", .string(c.finishReason)),
                ]))
            })),
            ("usage", .object(JSONObject([
                ("prompt_tokens", .int(promptTokens)), ("completion_tokens", .int(completionTokens)),
                ("total_tokens", .int(promptTokens + completionTokens)),
            ]))),
        ])
    }
}
