/// The GGUF metadata a tokenizer is built from (keys `tokenizer.ggml.*`), copied out of
/// the file. `GGUFFile` fills it (see `Tokenizer(gguf:)`); tests can build one directly.
public struct TokenizerSource: Sendable {
    /// `tokenizer.ggml.model`: "llama" (SentencePiece) or "gpt2" (byte-level BPE).
    public var model: String
    /// `tokenizer.ggml.pre`, nil when absent.
    public var pre: String?
    /// `tokenizer.ggml.tokens`, as raw UTF-8 bytes.
    public var tokens: [[UInt8]]
    /// `tokenizer.ggml.scores` (empty when absent).
    public var scores: [Float]
    /// `tokenizer.ggml.token_type` (empty when absent): 1 normal, 2 unknown, 3 control,
    /// 4 user-defined, 5 unused, 6 byte.
    public var tokenTypes: [Int32]
    /// `tokenizer.ggml.merges` ("left right"), rank = index; nil when absent (SPM).
    public var merges: [[UInt8]]?
    /// Optional id keys such as `tokenizer.ggml.bos_token_id`, keyed by full key name.
    public var ids: [String: UInt32]
    /// Optional flags: `tokenizer.ggml.add_bos_token`, `add_eos_token`, `add_space_prefix`.
    public var flags: [String: Bool]

    public init(model: String, pre: String? = nil, tokens: [[UInt8]], scores: [Float] = [], tokenTypes: [Int32] = [],
                merges: [[UInt8]]? = nil, ids: [String: UInt32] = [:], flags: [String: Bool] = [:]) {
        self.model = model
        self.pre = pre
        self.tokens = tokens
        self.scores = scores
        self.tokenTypes = tokenTypes
        self.merges = merges
        self.ids = ids
        self.flags = flags
    }

    /// Metadata keys the tokenizer reads (the same names llama.cpp uses).
    public enum Key {
        public static let model = "tokenizer.ggml.model"
        public static let pre = "tokenizer.ggml.pre"
        public static let tokens = "tokenizer.ggml.tokens"
        public static let scores = "tokenizer.ggml.scores"
        public static let tokenType = "tokenizer.ggml.token_type"
        public static let merges = "tokenizer.ggml.merges"
        public static let bos = "tokenizer.ggml.bos_token_id"
        public static let eos = "tokenizer.ggml.eos_token_id"
        public static let eot = "tokenizer.ggml.eot_token_id"
        public static let eom = "tokenizer.ggml.eom_token_id"
        public static let unk = "tokenizer.ggml.unknown_token_id"
        public static let sep = "tokenizer.ggml.seperator_token_id"
        public static let pad = "tokenizer.ggml.padding_token_id"
        public static let fimPre = "tokenizer.ggml.fim_pre_token_id"
        public static let fimSuf = "tokenizer.ggml.fim_suf_token_id"
        public static let fimMid = "tokenizer.ggml.fim_mid_token_id"
        public static let fimPad = "tokenizer.ggml.fim_pad_token_id"
        public static let fimRep = "tokenizer.ggml.fim_rep_token_id"
        public static let fimSep = "tokenizer.ggml.fim_sep_token_id"
        public static let addBOS = "tokenizer.ggml.add_bos_token"
        public static let addEOS = "tokenizer.ggml.add_eos_token"
        public static let addSpacePrefix = "tokenizer.ggml.add_space_prefix"

        public static let idKeys = [bos, eos, eot, eom, unk, sep, pad, fimPre, fimSuf, fimMid, fimPad, fimRep, fimSep]
        public static let flagKeys = [addBOS, addEOS, addSpacePrefix]
    }
}
