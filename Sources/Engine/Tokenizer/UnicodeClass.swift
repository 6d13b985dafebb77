// Codepoint classes used by the BPE pre-tokenizers.
//
// llama.cpp classifies codepoints with a table generated from UnicodeData.txt:
// \p{L} = Lu Ll Lt Lm Lo, \p{N} = Nd Nl No, \s = the White_Space property (25
// codepoints). We derive the same classes from the Swift standard library's Unicode
// properties (the same UCD, possibly a newer version: only codepoints assigned in
// between could differ). Every codepoint inside the text has *some* class in
// llama.cpp (unassigned ones are "undefined", not empty), which the scanners rely on.

struct CodepointClass: OptionSet, Sendable {
    let rawValue: UInt8
    static let letter = CodepointClass(rawValue: 1)
    static let number = CodepointClass(rawValue: 2)
    static let whitespace = CodepointClass(rawValue: 4)
}

enum UnicodeClass {
    /// Classes of the Basic Multilingual Plane, computed once (65,536 lookups, a few ms).
    private static let bmp: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 0x10000)
        for cp in 0..<0x10000 {
            table[cp] = compute(UInt32(cp)).rawValue
        }
        return table
    }()

    static func of(_ cp: UInt32) -> CodepointClass {
        if cp < 0x10000 { return CodepointClass(rawValue: bmp[Int(cp)]) }
        return compute(cp)
    }

    private static func compute(_ cp: UInt32) -> CodepointClass {
        guard let scalar = Unicode.Scalar(cp) else { return [] }  // surrogates: category Cs (control)
        var result: CodepointClass = []
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            result.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber:
            result.insert(.number)
        default:
            break
        }
        if scalar.properties.isWhitespace { result.insert(.whitespace) }
        return result
    }
}
