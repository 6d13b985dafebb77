import Foundation
import Prometheus

/// Prometheus metrics of one server instance (own registry: no global state, so tests can run several).
public final class ServiceMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let queueDepth: Gauge
    private let running: Gauge
    private let pendingSamples: Gauge
    private let executionLatency: DurationHistogram
    private let sampleLatency: DurationHistogram

    static let latencyBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
    ]

    public init() {
        queueDepth = registry.makeGauge(name: "codeeval_queue_depth", help: "Executions waiting for a sandbox worker")
        running = registry.makeGauge(name: "codeeval_executions_running", help: "Programs running now")
        pendingSamples = registry.makeGauge(
            name: "codeeval_pending_samples", help: "Evaluation samples not yet scored over all jobs")
        executionLatency = registry.makeDurationHistogram(
            name: "codeeval_execution_seconds", buckets: Self.latencyBuckets,
            help: "Wall time of /v1/execute programs, queueing excluded")
        sampleLatency = registry.makeDurationHistogram(
            name: "codeeval_sample_seconds", buckets: Self.latencyBuckets,
            help: "Wall time of one evaluation sample, queueing included")
    }

    public func recordRequest(method: String, route: String, status: Int) {
        registry.makeCounter(
            name: "codeeval_http_requests_total",
            labels: [("method", method), ("route", route), ("status", String(status))],
            help: "HTTP requests answered"
        ).increment()
    }

    public func recordExecution(status: String, duration: Duration) {
        registry.makeCounter(
            name: "codeeval_executions_total", labels: [("status", status)], help: "Programs run, by verdict"
        ).increment()
        executionLatency.record(duration)
    }

    public func recordSample(passed: Bool, duration: Duration) {
        registry.makeCounter(
            name: "codeeval_samples_total", labels: [("result", passed ? "passed" : "failed")],
            help: "Evaluation samples scored"
        ).increment()
        sampleLatency.record(duration)
    }

    public func setQueue(waiting: Int, running: Int, pendingSamples: Int) {
        queueDepth.set(Double(waiting))
        self.running.set(Double(running))
        self.pendingSamples.set(Double(pendingSamples))
    }

    public func setLayers(_ layers: [String: Bool]) {
        for (layer, ok) in layers {
            registry.makeGauge(
                name: "codeeval_sandbox_layer_available", labels: [("layer", layer)],
                help: "1 if the sandbox isolation layer works on this host"
            ).set(ok ? Double(1) : Double(0))
        }
    }

    public func text() -> String { registry.emitToString() }
}
