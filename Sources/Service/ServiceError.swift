import Foundation
import Datasets
import Hummingbird

/// An error answered to the client as `{"error": {"code": ..., "message": ...}}`; never carries a stack trace.
public struct ServiceError: Error, HTTPResponseError, CustomStringConvertible, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public var retryAfter: Int?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public static func badRequest(_ message: String) -> ServiceError { .init(.badRequest, "invalid_request", message) }
    public static func notFound(_ message: String) -> ServiceError { .init(.notFound, "not_found", message) }
    public static func queueFull(retryAfter: Int, _ message: String) -> ServiceError {
        .init(.tooManyRequests, "queue_full", message, retryAfter: retryAfter)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        let body = JSONObject([
            ("error", .object(JSONObject([("code", .string(code)), ("message", .string(message))]))),
        ]).serialized()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body + "\n")))
    }
}
