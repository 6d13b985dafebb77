import Foundation

/// Where each catalog file resolved and whether it is intact: what `codeeval datasets list|verify` report.
public struct DatasetFileStatus: Sendable {
    public let dataset: Benchmark
    public let file: DatasetFile
    public let license: String
    /// `nil` when the file is nowhere on the search path.
    public let resolved: ResolvedFile?
    /// The content sha256 found, when checked.
    public let actualSHA256: String?

    /// `ok`, `CHECKSUM-MISMATCH`, `missing` or `unverified`.
    public var status: String {
        guard resolved != nil else { return "missing" }
        guard let actualSHA256 else { return "unverified" }
        return file.accepts(contentSHA256: actualSHA256) ? "ok" : "CHECKSUM-MISMATCH"
    }
}

/// One line of `codeeval datasets verify`: a file's checksum or a dataset's decoding.
public struct DatasetCheckLine: Sendable {
    public let ok: Bool
    public let text: String
}

extension DatasetStore {
    /// Every catalog file with where it resolved; `verify` also hashes each one found.
    public func statuses(verify: Bool) -> [DatasetFileStatus] {
        Catalog.all.flatMap { info in
            info.files.map { file in
                let r = try? locate(info.id, role: file.role)
                let actual = verify ? r.flatMap { try? contentSHA256(of: $0.url) } : nil
                return DatasetFileStatus(dataset: info.id, file: file, license: info.license, resolved: r, actualSHA256: actual)
            }
        }
    }

    /// Checks each file of each dataset against its sha256, then (unless `checksumsOnly`) decodes every record.
    public func check(_ ids: [Benchmark], checksumsOnly: Bool) -> [DatasetCheckLine] {
        var lines: [DatasetCheckLine] = []
        for id in ids {
            var intact = true
            for file in Catalog.info(id).files {
                do {
                    let r = try locate(id, role: file.role)
                    try verify(r)
                    lines.append(DatasetCheckLine(ok: true, text: "ok       \(id.rawValue)/\(file.role) sha256 \(file.contentSHA256.prefix(12))… \(r.origin): \(r.url.path)"))
                } catch {
                    intact = false
                    lines.append(DatasetCheckLine(ok: false, text: "FAILED   \(id.rawValue)/\(file.role): \(error)"))
                }
            }
            guard intact, !checksumsOnly else { continue }
            let start = Date()
            do {
                let n = try decodeAll(id)
                lines.append(DatasetCheckLine(ok: true, text: "ok       \(id.rawValue): \(n) records decoded in \(Int(Date().timeIntervalSince(start) * 1000)) ms"))
            } catch {
                lines.append(DatasetCheckLine(ok: false, text: "FAILED   \(id.rawValue): \(error)"))
            }
        }
        return lines
    }
}
