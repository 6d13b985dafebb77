import Foundation
import Hummingbird

/// Reads request bodies under the configured size limit and deadline, for every controller.
struct RequestBodyReader: Sendable {
    let config: ServiceConfig

    /// Reads the whole body under the size limit and a deadline (a client trickling bytes gets `408`).
    func read(_ request: Request) async throws -> [UInt8] {
        try await read(request.body, headers: request.headers)
    }

    /// The same for a body handed over by Hummingbird (`RequestBody.consumeWithCancellationOnInboundClose`).
    func read(_ requestBody: RequestBody, headers: HTTPFields) async throws -> [UInt8] {
        let limit = config.maxBodyBytes
        if let length = headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw ServiceError(.contentTooLarge, "body_too_large", "request body is \(length) bytes; the limit is \(limit)")
        }
        let timeout = config.bodyReadTimeoutSeconds
        return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                var bytes: [UInt8] = []
                for try await chunk in requestBody {
                    if bytes.count + chunk.readableBytes > limit {
                        throw ServiceError(.contentTooLarge, "body_too_large", "request body exceeds the limit of \(limit) bytes")
                    }
                    bytes.append(contentsOf: chunk.readableBytesView)
                }
                return bytes
            }
            group.addTask {
                try await Task.sleep(for: .seconds(timeout))
                return nil
            }
            guard let first = try await group.next() else { throw CancellationError() }
            group.cancelAll()
            guard let bytes = first else {
                throw ServiceError(.requestTimeout, "body_timeout", "request body not received within \(Int(timeout)) s")
            }
            return bytes
        }
    }
}
