import ArgumentParser
import Engine
import Models
import Foundation
import Reports

struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize text with a model's tokenizer (or decode token ids).",
        discussion: """
        Uses the tokenizer stored in the model's GGUF file, exactly as llama.cpp does: BOS is
        added when the model asks for it (Gemma yes, SmolLM2/Qwen no), and control tokens
        written in the text (e.g. <|endoftext|>) are recognised unless --no-parse-special.
        Without TEXT, reads standard input.

        Examples:
          codeeval tokenize --model gemma3-270m --json 'def add(a, b):'
          codeeval tokenize --model gemma3-270m --decode 2 2063 1138
        """
    )
    @Option(name: .long, help: "Registry name (smollm2-135m, gemma3-270m, qwen2.5-coder-0.5b, qwen2.5-coder-1.5b) or a path to a .gguf file.")
    var model: String = "qwen2.5-coder-0.5b"
    @Flag(name: .long, help: "Print JSON: ids, and each token's piece.") var json = false
    @Flag(name: .long, help: "TEXT is token ids (separated by spaces or commas); print the text they decode to.") var decode = false
    @Flag(name: .long, help: "Do not add BOS/EOS even if the model asks for them.") var noSpecial = false
    @Flag(name: .long, help: "Treat control-token text like <|endoftext|> as plain text.") var noParseSpecial = false
    @Flag(name: .long, help: "With --decode: render control tokens (e.g. <bos>) instead of dropping them.") var renderSpecial = false
    @Flag(name: .long, help: "Print to stderr how long loading the tokenizer and encoding took (encode: median of 9 runs).")
    var time = false
    @Argument(help: "Text to tokenize, or ids with --decode. Standard input when absent.") var text: [String] = []

    func run() async throws {
        let path = try failing("") { try ModelRegistry.resolve((model as NSString).expandingTildeInPath) }
        let clock = ContinuousClock(), loadStart = clock.now
        let tokenizer = try failing("\(path): ") { try Tokenizer(gguf: GGUFFile(path: path)) }
        if time { printError("load \(TokenReport.ms(clock.now - loadStart)) ms (GGUF metadata + tokenizer tables)") }
        let input = text.isEmpty ? try readInput(nil) : text.joined(separator: " ")
        if decode {
            guard let ids = TokenReport.parseIDs(input) else { throw ValidationError("--decode: expected token ids separated by spaces or commas") }
            let bytes = try failing("") { try tokenizer.decodeBytes(ids, special: renderSpecial) }
            if json { return print(try TokenReport.json(model: model, tokens: ids, pieces: nil, text: String(decoding: bytes, as: UTF8.self))) }
            FileHandle.standardOutput.write(Data(bytes))
            if bytes.last != UInt8(ascii: "\n") { print() }
            return
        }
        let encode = { tokenizer.encode(input, addSpecial: !noSpecial, parseSpecial: !noParseSpecial) }
        let ids = encode()
        if time { printError(TokenReport.encodeTimings(bytes: input.utf8.count, tokens: ids.count) { _ = encode() }) }
        let pieces = json ? ids.map { String(decoding: tokenizer.piece($0, special: true), as: UTF8.self) } : nil
        print(json ? try TokenReport.json(model: model, tokens: ids, pieces: pieces, text: nil) : ids.map(String.init).joined(separator: " "))
    }
}

/// A failure reported as one line ("Error: ...") with exit status 1.
struct TokenizeFailure: Error, CustomStringConvertible {
    let description: String
}

/// `body`'s error, whatever its type, as a one-line failure prefixed with `context`.
func failing<T>(_ context: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch { throw TokenizeFailure(description: context + "\(error)") }
}
