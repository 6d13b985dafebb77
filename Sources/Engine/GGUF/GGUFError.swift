/// Everything that can be wrong with a GGUF file or with what a model needs from it.
/// Each case carries where the problem is (byte offset, key, tensor name).
public enum GGUFError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case badMagic(found: [UInt8])
    case unsupportedVersion(UInt32)
    /// A read of `needed` bytes at `offset` would pass the end of the file (`fileSize`).
    case truncated(what: String, offset: Int, needed: Int, fileSize: Int)
    case invalidValue(what: String, offset: Int, reason: String)
    case unknownValueType(key: String, type: UInt32, offset: Int)
    case unknownTensorType(tensor: String, type: UInt32, offset: Int)
    case duplicateKey(String, offset: Int)
    case duplicateTensor(String, offset: Int)
    case tensorOutOfBounds(tensor: String, start: Int, end: Int, fileSize: Int)
    case missingKey(String)
    case wrongKeyType(key: String, expected: String, found: String)
    case missingTensor(String)
    case tensorShape(tensor: String, expected: [Int], found: [Int])
    case unsupportedTensorType(tensor: String, type: String)
    case unsupportedArchitecture(String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): return "cannot open GGUF file \(path): \(reason)"
        case let .badMagic(found): return "not a GGUF file: magic bytes \(found.map { String(format2: $0) }.joined(separator: " ")) (expected 47 47 55 46 'GGUF')"
        case let .unsupportedVersion(v): return "unsupported GGUF version \(v) (supported: 2, 3)"
        case let .truncated(what, offset, needed, fileSize):
            return "GGUF file truncated: \(what) needs \(needed) bytes at byte offset \(offset), file has \(fileSize) bytes"
        case let .invalidValue(what, offset, reason): return "invalid \(what) at byte offset \(offset): \(reason)"
        case let .unknownValueType(key, type, offset): return "metadata key '\(key)': unknown value type \(type) at byte offset \(offset)"
        case let .unknownTensorType(tensor, type, offset): return "tensor '\(tensor)': unknown ggml type \(type) at byte offset \(offset)"
        case let .duplicateKey(key, offset): return "duplicate metadata key '\(key)' at byte offset \(offset)"
        case let .duplicateTensor(name, offset): return "duplicate tensor '\(name)' at byte offset \(offset)"
        case let .tensorOutOfBounds(tensor, start, end, fileSize):
            return "tensor '\(tensor)': data bytes \(start)..<\(end) lie outside the file (\(fileSize) bytes; truncated download?)"
        case let .missingKey(key): return "missing metadata key '\(key)'"
        case let .wrongKeyType(key, expected, found): return "metadata key '\(key)' has type \(found), expected \(expected)"
        case let .missingTensor(name): return "missing tensor '\(name)'"
        case let .tensorShape(tensor, expected, found): return "tensor '\(tensor)' has shape \(found), expected \(expected)"
        case let .unsupportedTensorType(tensor, type): return "tensor '\(tensor)' has type \(type), which the engine does not support"
        case let .unsupportedArchitecture(arch):
            return "unsupported architecture '\(arch)' (supported: llama, mistral, qwen2, gemma3)"
        }
    }
}

extension String {
    init(format2 byte: UInt8) {
        let hex = String(byte, radix: 16)
        self = hex.count == 1 ? "0" + hex : hex
    }
}
