import Foundation
import Testing
@testable import Service

/// 2 000 `/v1/execute` requests from 32 concurrent clients on loopback (fake executor: this measures the HTTP,
/// admission and persistence path; `scripts/service/loadtest.py` does the same against a real server).
@Suite struct LoadTests {
    @Test func twoThousandRequestsFrom32Clients() async throws {
        let config = testConfig { $0.workers = 4; $0.maxWaiting = 64 }
        let store = try SQLiteJobStore(path: tempDBPath())
        try await withServer(config: config, store: store) { port, _ in
            let clients = 32, perClient = 2000 / 32 + 1
            let start = Date()
            let results = await withTaskGroup(of: [(Int, Double)].self) { group in
                for c in 0..<clients {
                    group.addTask {
                        var out: [(Int, Double)] = []
                        for i in 0..<perClient where c * perClient + i < 2000 {
                            let t0 = Date()
                            let r = await RawHTTP.json(port: port, path: "/v1/execute", #"{"code":"print(\#(c * perClient + i))"}"#)
                            out.append((r?.status ?? -1, Date().timeIntervalSince(t0)))
                        }
                        return out
                    }
                }
                var all: [(Int, Double)] = []
                for await part in group { all += part }
                return all
            }
            let elapsed = Date().timeIntervalSince(start)
            #expect(results.count == 2000)
            let statuses = Dictionary(grouping: results.map(\.0), by: { $0 }).mapValues(\.count)
            #expect(statuses[-1] == nil, "lost requests: \(statuses)")
            // 32 clients > 4 workers + 64 waiting is impossible here, so every request must succeed.
            #expect(statuses[200] == 2000, "\(statuses)")
            let latencies = results.map(\.1).sorted()
            let p50 = latencies[latencies.count / 2] * 1000, p99 = latencies[latencies.count * 99 / 100] * 1000
            print("load: 2000 requests, 32 clients: \(String(format: "%.0f", 2000 / elapsed)) req/s, p50 \(String(format: "%.1f", p50)) ms, p99 \(String(format: "%.1f", p99)) ms")
            #expect(await RawHTTP.request(port: port, method: "GET", path: "/healthz")?.status == 200)
        }
        #expect(try await store.executionCount() == 2000)
    }
}
