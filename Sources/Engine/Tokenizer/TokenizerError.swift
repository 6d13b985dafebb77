/// Errors from building a tokenizer out of GGUF metadata or from token-id input.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// A required metadata key is absent.
    case missingKey(String)
    /// A metadata key has the wrong type or an unusable value.
    case invalidValue(key: String, reason: String)
    /// `tokenizer.ggml.model` names a tokenizer we do not implement.
    case unsupportedModel(String)
    /// `tokenizer.ggml.pre` names a pre-tokenizer we do not implement.
    case unsupportedPreTokenizer(String)
    /// A token id outside `0..<vocabSize` was given to decode.
    case tokenOutOfRange(id: Int64, vocabSize: Int)

    public var description: String {
        switch self {
        case .missingKey(let key):
            return "tokenizer: metadata key '\(key)' is missing"
        case .invalidValue(let key, let reason):
            return "tokenizer: metadata key '\(key)': \(reason)"
        case .unsupportedModel(let model):
            return "tokenizer: tokenizer.ggml.model '\(model)' is not supported (supported: llama (SPM), gpt2 (byte-level BPE))"
        case .unsupportedPreTokenizer(let pre):
            return "tokenizer: tokenizer.ggml.pre '\(pre)' is not supported (supported: qwen2, smollm, llama-bpe/llama3, gpt-2, default)"
        case .tokenOutOfRange(let id, let n):
            return "tokenizer: token id \(id) is out of range 0..<\(n)"
        }
    }
}
