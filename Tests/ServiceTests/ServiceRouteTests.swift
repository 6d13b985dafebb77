import Datasets
import Foundation
import Testing
@testable import Service

@Suite struct ServiceRouteTests {
    @Test func probesMetricsAndSpec() async throws {
        try await withServer { port, _ in
            let health = await RawHTTP.request(port: port, method: "GET", path: "/healthz")
            #expect(health?.status == 200)
            #expect(jsonObject(health)?["status"] == .string("ok"))

            let ready = await RawHTTP.request(port: port, method: "GET", path: "/readyz")
            #expect(ready?.status == 200)
            #expect(jsonObject(ready)?["database"] == .bool(true))

            _ = await RawHTTP.json(port: port, path: "/v1/execute", #"{"code":"print(1)"}"#)
            let metrics = try #require(await RawHTTP.request(port: port, method: "GET", path: "/metrics"))
            #expect(metrics.status == 200)
            for name in ["codeeval_http_requests_total", "codeeval_executions_total{status=\"passed\"} 1",
                         "codeeval_queue_depth", "codeeval_execution_seconds_bucket",
                         "codeeval_sandbox_layer_available{layer=\"seccomp\"} 1"] {
                #expect(metrics.text.contains(name), "metrics lack \(name)")
            }

            let spec = try #require(await RawHTTP.request(port: port, method: "GET", path: "/openapi.yaml"))
            #expect(spec.status == 200)
            #expect(spec.text.hasPrefix("openapi: 3.1.0"))
        }
    }

    /// Every route the server serves is described in the spec, under `paths:` with its method.
    @Test func specListsEveryRoute() throws {
        let lines = OpenAPISpec.yaml.components(separatedBy: "\n")
        var methodsByPath: [String: Set<String>] = [:]
        var current: String?
        for line in lines {
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                current = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("components:") {
                current = nil
            } else if let path = current, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                methodsByPath[path, default: []].insert(line.trimmingCharacters(in: .whitespaces).dropLast().uppercased())
            }
        }
        for route in OpenAPISpec.routes {
            let parts = route.split(separator: " ")
            #expect(methodsByPath[String(parts[1])]?.contains(String(parts[0])) == true, "spec lacks \(route)")
        }
    }

    @Test func executeReturnsExecutionAndPersistsIt() async throws {
        let store = try SQLiteJobStore(path: tempDBPath())
        try await store.ping()
        try await withServer(store: store) { port, _ in
            let ok = try #require(await RawHTTP.json(port: port, path: "/v1/execute", #"{"language":"python","code":"print(1)","timeout_s":2,"memory_mb":256,"profile":"standard","stdin":"x"}"#))
            #expect(ok.status == 200)
            #expect(jsonObject(ok)?["status"] == .string("passed"))
            let failed = await RawHTTP.json(port: port, path: "/v1/execute", #"{"code":"FAIL"}"#)
            #expect(jsonObject(failed)?["status"] == .string("failed"))
        }
        #expect(try await store.executionCount() == 2)
    }

    @Test func fullQueueAnswers429WithRetryAfter() async throws {
        let config = testConfig { $0.workers = 1; $0.maxWaiting = 1 }
        try await withServer(config: config) { port, _ in
            let responses = await withTaskGroup(of: RawResponse?.self) { group in
                for _ in 0..<6 { group.addTask { await RawHTTP.json(port: port, path: "/v1/execute", #"{"code":"SLEEP 0.5"}"#) } }
                var all: [RawResponse?] = []
                for await r in group { all.append(r) }
                return all
            }
            let statuses = responses.map { $0?.status ?? -1 }
            #expect(statuses.filter { $0 == 200 }.count >= 2)
            #expect(statuses.filter { $0 == 429 }.count >= 1)
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 429 })
            let limited = responses.compactMap { $0 }.first { $0.status == 429 }
            #expect(limited?.headers["retry-after"] == "1")
        }
    }

    @Test func limitsAreCappedByServerConfig() throws {
        var config = ServiceConfig()
        config.maxTimeoutSeconds = 5
        #expect(throws: ServiceError.self) { try RequestParsing.execute(Array(#"{"code":"x","timeout_s":6}"#.utf8), config: config) }
        let r = try RequestParsing.execute(Array(#"{"code":"x"}"#.utf8), config: config)
        #expect(r.timeoutSeconds == config.defaultTimeoutSeconds && r.memoryMB == config.defaultMemoryMB && r.profile == "strict")
    }
}
