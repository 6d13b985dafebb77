import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny blocking HTTP/1.1 client over a POSIX socket, run on its own thread: it can send exactly the bytes a
/// test wants (invalid UTF-8, truncated bodies, trickled bytes), and it never occupies Swift's cooperative pool,
/// where the server's handlers run.
struct RawResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

enum RawHTTP {
    /// Sends `request` bytes (in `chunks` with `pause` between them), then reads until the server closes.
    /// Returns nil when the connection closed without a status line.
    static func send(port: Int, chunks: [[UInt8]], pause: Double = 0, readTimeout: Double = 30) async -> RawResponse? {
        await withCheckedContinuation { cont in
            let thread = Thread {
                cont.resume(returning: sendBlocking(port: port, chunks: chunks, pause: pause, readTimeout: readTimeout))
            }
            thread.start()
        }
    }

    static func request(port: Int, method: String, path: String, headers: [String: String] = [:],
                        body: [UInt8]? = nil) async -> RawResponse? {
        await send(port: port, chunks: [build(method: method, path: path, headers: headers, body: body)])
    }

    static func build(method: String, path: String, headers: [String: String] = [:], body: [UInt8]? = nil,
                      contentLength: Int? = nil) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if let body {
            if headers["Content-Type"] == nil { head += "Content-Type: application/json\r\n" }
            head += "Content-Length: \(contentLength ?? body.count)\r\n"
        }
        head += "\r\n"
        return Array(head.utf8) + (body ?? [])
    }

    static func json(port: Int, method: String = "POST", path: String, _ text: String,
                     headers: [String: String] = [:]) async -> RawResponse? {
        await request(port: port, method: method, path: path, headers: headers, body: Array(text.utf8))
    }

    /// Sends `request`, reads until `readAtLeast` bytes of the answer have come, waits (up to 30 s) until
    /// `hangUpWhen` holds, then closes the connection: a client that goes away mid-request. Returns the bytes read.
    static func sendAndHangUp(port: Int, _ request: [UInt8], readAtLeast: Int = 0,
                              hangUpWhen: @escaping @Sendable () -> Bool = { true }) async -> [UInt8] {
        await withCheckedContinuation { cont in
            let thread = Thread {
                var data: [UInt8] = []
                if let fd = connected(port: port, readTimeout: 30) {
                    sendAll(fd, request)
                    var buf = [UInt8](repeating: 0, count: 65536)
                    while data.count < readAtLeast {
                        let n = recv(fd, &buf, buf.count, 0)
                        if n <= 0 { break }
                        data.append(contentsOf: buf[0..<n])
                    }
                    let deadline = Date().addingTimeInterval(30)
                    while !hangUpWhen() && Date() < deadline { usleep(10_000) }
                    close(fd)
                }
                cont.resume(returning: data)
            }
            thread.start()
        }
    }

    private static func sendAll(_ fd: Int32, _ chunk: [UInt8]) {
        var sent = 0
        while sent < chunk.count {
            let n = chunk[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
    }

    /// A connected TCP socket to the local port, or nil.
    private static func connected(port: Int, readTimeout: Double) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            return nil
        }
        var tv = timeval(tv_sec: Int(readTimeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    private static func sendBlocking(port: Int, chunks: [[UInt8]], pause: Double, readTimeout: Double) -> RawResponse? {
        guard let fd = connected(port: port, readTimeout: readTimeout) else { return nil }
        defer { close(fd) }
        for (i, chunk) in chunks.enumerated() {
            if i > 0 && pause > 0 { usleep(UInt32(pause * 1_000_000)) }
            sendAll(fd, chunk)
        }
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            data.append(contentsOf: buf[0..<n])
        }
        return parse(data)
    }

    static func parse(_ data: [UInt8]) -> RawResponse? {
        let sep: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = (0..<max(0, data.count - 3)).first(where: { Array(data[$0..<$0 + 4]) == sep }) else {
            return nil
        }
        let head = String(decoding: data[0..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(data[(headEnd + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return RawResponse(status: status, headers: headers, body: body)
    }

    static func dechunk(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < data.count {
            guard let lineEnd = (i..<max(i, data.count - 1)).first(where: { data[$0] == 13 && data[$0 + 1] == 10 }) else { break }
            let sizeText = String(decoding: data[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = lineEnd + 2
            guard start + size <= data.count else { break }
            out.append(contentsOf: data[start..<start + size])
            i = start + size + 2
        }
        return out
    }
}
