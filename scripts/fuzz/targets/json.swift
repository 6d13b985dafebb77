// libFuzzer target: the JSON parser (lenient, and strict with duplicate keys rejected, as request bodies are
// parsed), JSONL's line handling, and the serializer: whatever parses must serialize to text that parses back to
// the same value. Built by scripts/fuzz/build with Sources/Datasets' files.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for strict in [false, true] {
        guard let value = try? JSONParser.parse(bytes, rejectDuplicateKeys: strict) else { continue }
        for ascii in [false, true] {
            let text = value.serialized(ensureASCII: ascii)
            guard let again = try? JSONParser.parse(text) else { fatalError("serialized JSON does not parse: \(text)") }
            guard again == value else { fatalError("round trip changed the value: \(text)") }
        }
    }
    _ = try? JSONL.parseLine(bytes, file: "fuzz", line: 1)
    return 0
}
