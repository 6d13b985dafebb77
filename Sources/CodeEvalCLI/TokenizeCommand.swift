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
          codeeval tokenize --model gemma3-270m 'def add(a, b):'
          codeeval tokenize --model qwen2.5-coder-0.5b --json 'x = 1'
          codeeval tokenize --model gemma3-270m --decode 2 2063 1138
          codeeval tokenize --model ~/.cache/codeeval/models/smollm2-135m.gguf < prompt.txt
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
        if time { Self.log("load \(TokenReport.ms(clock.now - loadStart)) ms (GGUF metadata + tokenizer tables)") }
        let input = text.isEmpty ? Self.readStandardInput() : text.joined(separator: " ")
        if decode {
            guard let ids = TokenReport.parseIDs(input) else { throw ValidationError("--decode: expected token ids separated by spaces or commas") }
            let bytes = try failing("") { try tokenizer.decodeBytes(ids, special: renderSpecial) }
            if json {
                print(try TokenReport.json(model: model, tokens: ids, pieces: nil, text: String(decoding: bytes, as: UTF8.self)))
            } else {
                FileHandle.standardOutput.write(Data(bytes))
                if bytes.last != UInt8(ascii: "\n") { print() }
            }
            return
        }
        let ids = tokenizer.encode(input, addSpecial: !noSpecial, parseSpecial: !noParseSpecial)
        if time {
            let t = TokenReport.encodeTimes(runs: 9) { _ = tokenizer.encode(input, addSpecial: !noSpecial, parseSpecial: !noParseSpecial) }
            Self.log("encode \(input.utf8.count) bytes -> \(ids.count) tokens: median \(TokenReport.ms(t[4])) ms (min \(TokenReport.ms(t[0])), max \(TokenReport.ms(t[8])))")
        }
        if json {
            let pieces = ids.map { String(decoding: tokenizer.piece($0, special: true), as: UTF8.self) }
            print(try TokenReport.json(model: model, tokens: ids, pieces: pieces, text: nil))
        } else {
            print(ids.map(String.init).joined(separator: " "))
        }
    }

    static func log(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }

    static func readStandardInput() -> String {
        String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
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
