import Hummingbird
import Logging
import Store

/// Per-request context: the authenticated key (if keys are configured).
public struct ServiceContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var apiKey: APIKey?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        apiKey = nil
    }
}

/// Outermost middleware: turns every error into a JSON error (internal ones into a bare 500 without
/// details), counts requests and writes one structured access-log line per request (never bodies).
struct AccessLogMiddleware: RouterMiddleware {
    let metrics: ServiceMetrics
    let logger: Logger

    func handle(_ request: Request, context: ServiceContext,
                next: (Request, ServiceContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let route = context.endpointPath ?? "unmatched"
            metrics.recordRequest(method: request.method.rawValue, route: route, status: status)
            let elapsed = ContinuousClock.now - start
            logger.info("request", metadata: [
                "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "route": "\(route)",
                "status": "\(status)", "ms": "\(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)",
                "key": "\(context.apiKey?.name ?? "-")",
            ])
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let error as ServiceError {
            status = error.status.code
            throw error
        } catch let error as StoreUnavailable {
            // The store is down or unreachable: a retry later can succeed, so this is not a server bug.
            logger.error("store unavailable", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            status = 503
            throw ServiceError(.serviceUnavailable, "store_unavailable", "the job store is unavailable; retry later", retryAfter: 5)
        } catch let error as HTTPError {
            status = error.status.code
            throw ServiceError(error.status, "http_error", error.body ?? error.status.reasonPhrase)
        } catch let error as HTTPResponseError {
            status = error.status.code
            throw ServiceError(error.status, "http_error", error.status.reasonPhrase)
        } catch {
            logger.error("internal error", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            status = 500
            throw ServiceError(.internalServerError, "internal", "internal server error")
        }
    }
}

/// `Authorization: Bearer <key>` on `/v1/*` when keys are configured, plus the key's concurrency and rate limits.
struct AuthMiddleware: RouterMiddleware {
    let limiter: KeyLimiter?

    func handle(_ request: Request, context: ServiceContext,
                next: (Request, ServiceContext) async throws -> Response) async throws -> Response {
        guard let limiter else { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw ServiceError(.unauthorized, "unauthorized", "missing `Authorization: Bearer <api key>` header")
        }
        guard let key = limiter.authenticate(String(header.dropFirst("Bearer ".count))) else {
            throw ServiceError(.unauthorized, "unauthorized", "unknown API key")
        }
        let slot: String?
        switch try await limiter.admit(key) {
        case .rateLimited(let retry):
            throw ServiceError(.tooManyRequests, "rate_limited", "rate limit of key \(key.name) exceeded", retryAfter: retry)
        case .tooManyConcurrent:
            throw ServiceError(.tooManyRequests, "too_many_concurrent",
                               "key \(key.name) already has \(key.maxConcurrent) requests in flight", retryAfter: 1)
        case .ok(let s):
            slot = s
        }
        var context = context
        context.apiKey = key
        do {
            let response = try await next(request, context)
            await limiter.finish(key, slot: slot)
            return response
        } catch {
            await limiter.finish(key, slot: slot)
            throw error
        }
    }
}
