/// RFC 4180 CSV, as Python's `csv` module writes it (QUOTE_MINIMAL, `""` for a quote inside a quoted field):
/// quoted fields may hold commas and line breaks. Each record carries the 1-based line it starts on, so errors can
/// name it.
public enum CSV {
    public struct Record: Sendable, Equatable {
        public let line: Int
        public let fields: [String]
    }

    /// Parses UTF-8 bytes; an unterminated quoted field or a stray quote is an error naming the line.
    public static func parse(_ bytes: [UInt8], file: String) throws -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, recordLine = 1
        var i = 0
        var quoted = false, wasQuoted = false
        func text(_ b: [UInt8]) throws -> String {
            guard let s = String(validating: b, as: UTF8.self) else {
                throw JSONLError(file: file, line: recordLine, reason: "invalid UTF-8")
            }
            return s
        }
        while i < bytes.count {
            let c = bytes[i]
            if quoted {
                if c == 0x22 {
                    if i + 1 < bytes.count && bytes[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                    quoted = false
                } else {
                    if c == 0x0A { line += 1 }
                    field.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case 0x22:
                guard field.isEmpty && !wasQuoted else {
                    throw JSONLError(file: file, line: line, reason: "stray quote inside an unquoted field")
                }
                quoted = true
                wasQuoted = true
            case 0x2C:
                fields.append(try text(field)); field = []; wasQuoted = false
            case 0x0D where i + 1 < bytes.count && bytes[i + 1] == 0x0A:
                break
            case 0x0A:
                fields.append(try text(field)); field = []; wasQuoted = false
                records.append(Record(line: recordLine, fields: fields))
                fields = []
                line += 1
                recordLine = line
            default:
                guard !wasQuoted else {
                    throw JSONLError(file: file, line: line, reason: "text after the closing quote of a field")
                }
                field.append(c)
            }
            i += 1
        }
        if quoted { throw JSONLError(file: file, line: recordLine, reason: "unterminated quoted field") }
        if !field.isEmpty || !fields.isEmpty || wasQuoted {
            fields.append(try text(field))
            records.append(Record(line: recordLine, fields: fields))
        }
        return records
    }

    /// Records as Python's `csv.writer(f, lineterminator="\n")` writes them: a field is quoted when it holds a
    /// comma, a quote or a line break (quotes doubled inside), every record ends with `\n`.
    public static func write(_ records: [Record]) -> [UInt8] {
        var out: [UInt8] = []
        for r in records {
            // A lone empty field is quoted, or the line would read as no record at all.
            if r.fields == [""] { out.append(contentsOf: [0x22, 0x22, 0x0A]); continue }
            for (i, f) in r.fields.enumerated() {
                if i > 0 { out.append(0x2C) }
                let bytes = Array(f.utf8)
                if bytes.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
                    out.append(0x22)
                    for b in bytes {
                        out.append(b)
                        if b == 0x22 { out.append(0x22) }
                    }
                    out.append(0x22)
                } else {
                    out.append(contentsOf: bytes)
                }
            }
            out.append(0x0A)
        }
        return out
    }
}
