import Datasets
import Foundation
import Hummingbird
import NIOCore

/// `/healthz` (the process answers), `/readyz` (the store and every sandbox layer work), `/metrics`, `/openapi.yaml`.
struct ProbeController: Sendable {
    let deps: ServiceDependencies
    let handle: ServiceHandle

    func register(on router: Router<ServiceContext>) {
        router.get("/healthz") { _, _ in JSONBody.response(JSONObject([("status", .string("ok"))])) }
        router.get("/readyz") { _, _ in try await ready() }
        router.get("/metrics") { _, _ in try await metricsText() }
        router.get("/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPISpec.yaml)))
        }
    }

    func ready() async throws -> Response {
        let layers = deps.executor.layerAvailability()
        let dbOK = (try? await deps.store.ping()) != nil
        let ok = dbOK && !layers.isEmpty && layers.values.allSatisfy { $0 }
        var entries: [(String, JSONValue)] = [("status", .string(ok ? "ready" : "not_ready")), ("database", .bool(dbOK)),
                                              ("store", .string(deps.store.backend))]
        entries.append(("sandbox_layers", .object(JSONObject(layers.sorted { $0.key < $1.key }.map { ($0.key, .bool($0.value)) }))))
        var response = JSONBody.response(JSONObject(entries), status: ok ? .ok : .serviceUnavailable)
        // A store outage is transient: tell load balancers and clients when to look again.
        if !dbOK { response.headers[.retryAfter] = "5" }
        return response
    }

    func metricsText() async throws -> Response {
        let pending = (try? await deps.store.pendingSampleCount()) ?? 0
        handle.metrics.setQueue(waiting: await handle.gate.waiting, running: await handle.gate.busy, pendingSamples: pending)
        handle.metrics.setLayers(deps.executor.layerAvailability())
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: handle.metrics.text())))
    }
}
