import Datasets
import Foundation

/// What `codeeval datasets list` prints for each catalog file.
public enum DatasetReport {
    public static func json(_ st: DatasetFileStatus) -> String {
        var o = JSONObject([("dataset", .string(st.dataset.rawValue)), ("role", .string(st.file.role)),
                            ("records", .int(st.file.records)), ("path", .string(st.resolved?.url.path ?? "-")),
                            ("origin", .string(st.resolved?.origin ?? "missing")), ("status", .string(st.status)),
                            ("content_sha256", .string(st.file.contentSHA256)), ("license", .string(st.license))])
        if let a = st.actualSHA256, a != st.file.contentSHA256 { o["actual_sha256"] = .string(a) }
        return o.serialized()
    }

    public static func line(_ st: DatasetFileStatus) -> String {
        "\(pad("\(st.dataset.rawValue)/\(st.file.role)", 26)) \(pad(String(st.file.records), 6)) \(pad(st.status, 17)) "
            + "\(st.resolved?.origin ?? "missing"): \(st.resolved?.url.path ?? "-")"
    }
}

/// Left-aligns `s` in a column of `n` characters (longer values are kept whole).
func pad(_ s: String, _ n: Int) -> String { s.padding(toLength: max(n, s.count), withPad: " ", startingAt: 0) }
