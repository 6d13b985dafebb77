import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Streams a URL into a file without holding it in memory, resuming a partial file with a
/// `Range: bytes=N-` request (a 1 GB model over a flaky link must not start over), retrying
/// dropped connections.
public struct HTTPDownload: Sendable {
    public var headers: [String: String]
    public var attempts: Int
    public var timeout: TimeInterval

    public init(headers: [String: String] = [:], attempts: Int = 4, timeout: TimeInterval = 60) {
        self.headers = headers
        self.attempts = attempts
        self.timeout = timeout
    }

    /// Downloads `url` into `file` (appending to what is there); returns the bytes on disk.
    @discardableResult
    public func run(_ url: URL, to file: URL, log: (String) -> Void = { _ in }) throws -> Int64 {
        var lastError = "no attempt"
        for attempt in 1...max(1, attempts) {
            let have = Self.size(of: file)
            let outcome = try once(url, to: file, from: have)
            switch outcome {
            case .complete: return Self.size(of: file)
            case let .retry(reason):
                lastError = reason
                // No byte arrived (DNS failure, refused connection, no route): retrying cannot help.
                if Self.size(of: file) == have {
                    throw SupportError("\(url.absoluteString): \(reason)")
                }
                log("download interrupted (\(reason)) at \(Self.size(of: file)) bytes; attempt \(attempt + 1) resumes there")
            }
        }
        throw SupportError("\(url.absoluteString): \(lastError) after \(attempts) attempts")
    }

    enum Outcome { case complete, retry(String) }

    private func once(_ url: URL, to file: URL, from offset: Int64) throws -> Outcome {
        if !FileManager.default.fileExists(atPath: file.path), !FileManager.default.createFile(atPath: file.path, contents: nil) {
            throw SupportError("cannot create \(file.path)")
        }
        var request = URLRequest(url: url)
        request.timeoutInterval = timeout
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        if offset > 0 { request.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
        let sink = try Sink(file: file, offset: offset)
        let session = URLSession(configuration: .ephemeral, delegate: sink, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: request).resume()
        sink.done.wait()
        try sink.handle.close()
        if let failure = sink.failure { throw SupportError("\(url.absoluteString): \(failure)") }
        if sink.status == 416 && offset > 0 { return .complete } // the partial file already holds everything
        if let e = sink.transportError { return .retry(e) }
        if let expected = sink.expectedTotal, Self.size(of: file) < expected {
            return .retry("connection closed after \(Self.size(of: file)) of \(expected) bytes")
        }
        return .complete
    }

    public static func size(of file: URL) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: file.path)[.size]) as? NSNumber)?.int64Value ?? 0
    }

    /// Receives the body in chunks and appends them to the file.
    private final class Sink: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        let handle: FileHandle
        let offset: Int64
        let done = DispatchSemaphore(value: 0)
        var status: Int?
        /// Total size of the resource, when the server says (Content-Length, or Content-Range for 206).
        var expectedTotal: Int64?
        /// A definitive failure (HTTP error status): no retry.
        var failure: String?
        /// A broken transfer: retried from where it stopped.
        var transportError: String?

        init(file: URL, offset: Int64) throws {
            handle = try FileHandle(forWritingTo: file)
            self.offset = offset
            super.init()
            try handle.seek(toOffset: UInt64(offset))
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
            let http = response as? HTTPURLResponse
            status = http?.statusCode
            switch status {
            case 200:
                // The server ignored the Range request: start the file over.
                try? handle.truncate(atOffset: 0)
                if response.expectedContentLength >= 0 { expectedTotal = response.expectedContentLength }
                completionHandler(.allow)
            case 206:
                let range = http?.value(forHTTPHeaderField: "Content-Range") ?? ""
                if let slash = range.lastIndex(of: "/"), let total = Int64(range[range.index(after: slash)...]) {
                    expectedTotal = total
                } else if response.expectedContentLength >= 0 {
                    expectedTotal = offset + response.expectedContentLength
                }
                completionHandler(.allow)
            case 416:
                completionHandler(.cancel)
            default:
                failure = "HTTP \(status.map(String.init) ?? "?")"
                completionHandler(.cancel)
            }
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            do { try handle.write(contentsOf: data) } catch { failure = "cannot write the download: \(error)"; dataTask.cancel() }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            if let error, failure == nil, status != 416 { transportError = (error as NSError).localizedDescription }
            done.signal()
        }
    }
}
