import Foundation

/// Self-contained HTML pieces (no scripts, no external resources): escaping, tables, the page frame.
public enum HTML {
    /// Escapes text for element content and double- or single-quoted attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A table; every header and cell is escaped. `numeric` columns are right-aligned.
    public static func table(_ headers: [String], _ rows: [[String]], numeric: Set<Int> = [], rowClasses: [String?] = []) -> String {
        func cell(_ tag: String, _ i: Int, _ text: String) -> String {
            "<\(tag)\(numeric.contains(i) ? " class=\"num\"" : "")>\(escape(text))</\(tag)>"
        }
        var s = "<table>\n"
        if !headers.isEmpty { s += "<thead><tr>" + headers.enumerated().map { cell("th", $0, $1) }.joined() + "</tr></thead>\n" }
        s += "<tbody>\n"
        for (r, row) in rows.enumerated() {
            let cls = r < rowClasses.count ? rowClasses[r].map { " class=\"\(escape($0))\"" } ?? "" : ""
            s += "<tr\(cls)>" + row.enumerated().map { cell("td", $0, $1) }.joined() + "</tr>\n"
        }
        return s + "</tbody>\n</table>\n"
    }

    /// Two-column key/value table (no header row).
    public static func definitions(_ pairs: [(String, String)]) -> String {
        table([], pairs.map { [$0.0, $0.1] })
    }

    public static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>\(escape(title))</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
        table { border-collapse: collapse; margin: 1em 0; font-size: 14px; }
        th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
        th { background: #f3f3f3; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.paper td { color: #666; font-style: italic; }
        .note { color: #555; font-size: 13px; }
        svg text { font-family: system-ui, sans-serif; font-size: 12px; }
        </style>
        </head>
        <body>
        <h1>\(escape(title))</h1>
        \(body)
        </body>
        </html>

        """
    }
}
