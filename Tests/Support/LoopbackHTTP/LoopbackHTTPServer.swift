import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.0 file server on 127.0.0.1 (ephemeral port) for testing download paths without internet
/// (datasets, models). It answers `GET /<path>` from `routes` with 200 (or 206 for a `Range: bytes=N-` request),
/// anything else with 404, and closes each connection. `cutFirstResponseAfter` drops the first response of a
/// path after that many body bytes, as a broken connection would.
public final class LoopbackHTTPServer: @unchecked Sendable {
    public let port: UInt16
    private let fd: Int32
    private let routes: [String: [UInt8]]
    private var cuts: [String: Int]
    private let lock = NSLock()
    private var _requests: [String] = []
    private var _headers: [[String: String]] = []
    private var stopped = false
    /// Request paths in the order they arrived.
    public var requests: [String] { lock.withLock { _requests } }
    /// Request headers (lower-cased names) in the order they arrived.
    public var requestHeaders: [[String: String]] { lock.withLock { _headers } }

    public init(routes: [String: [UInt8]], cutFirstResponseAfter cuts: [String: Int] = [:]) throws {
        self.routes = routes
        self.cuts = cuts
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard sock >= 0 else { throw LoopbackHTTPError("socket() failed") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(sock, 16) == 0 else { close(sock); throw LoopbackHTTPError("bind/listen failed") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &len) }
        }
        port = UInt16(bigEndian: addr.sin_port)
        fd = sock
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public func url(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)/\(path)")! }

    /// Stops accepting; the accept loop exits when `accept` fails on the closed socket.
    public func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        if first { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }

    private func serve() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { return }
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var request: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while !request.containsHeaderEnd {
            let n = recv(client, &buf, buf.count, 0)
            if n <= 0 { return }
            request.append(contentsOf: buf[0..<n])
        }
        let lines = String(decoding: request, as: UTF8.self).components(separatedBy: "\r\n")
        let parts = (lines.first ?? "").split(separator: " ")
        let path = parts.count > 1 ? String(parts[1].dropFirst()) : ""
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let cut = lock.withLock { () -> Int? in
            _requests.append(path)
            _headers.append(headers)
            return cuts.removeValue(forKey: path)
        }
        guard let body = routes[path] else {
            let payload = Array("not found\n".utf8)
            sendAll(client, Array("HTTP/1.0 404 Not Found\r\nContent-Length: \(payload.count)\r\nConnection: close\r\n\r\n".utf8) + payload)
            return
        }
        var status = "200 OK", start = 0, extra = ""
        if let range = headers["range"], range.hasPrefix("bytes="), range.hasSuffix("-"),
           let from = Int(range.dropFirst(6).dropLast()) {
            guard from < body.count else {
                sendAll(client, Array("HTTP/1.0 416 Range Not Satisfiable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
                return
            }
            status = "206 Partial Content"
            start = from
            extra = "Content-Range: bytes \(from)-\(body.count - 1)/\(body.count)\r\n"
        }
        let payload = Array(body[start...])
        let head = "HTTP/1.0 \(status)\r\nContent-Length: \(payload.count)\r\n\(extra)Connection: close\r\n\r\n"
        // A cut response promises the full length and stops early: the client sees a truncated body.
        sendAll(client, Array(head.utf8) + (cut.map { Array(payload.prefix($0)) } ?? payload))
    }

    private func sendAll(_ client: Int32, _ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            sent += n
        }
    }

    deinit { stop() }
}

public struct LoopbackHTTPError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

private extension Array where Element == UInt8 {
    var containsHeaderEnd: Bool {
        guard count >= 4 else { return false }
        for i in 0...(count - 4) where self[i] == 0x0D && self[i + 1] == 0x0A && self[i + 2] == 0x0D && self[i + 3] == 0x0A {
            return true
        }
        return false
    }
}
