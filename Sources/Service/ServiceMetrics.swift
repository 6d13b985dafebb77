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
        queueDepth = registry.makeGauge(descriptor: Self.metric("codeeval_queue_depth", "Executions waiting for a sandbox worker"))
        running = registry.makeGauge(descriptor: Self.metric("codeeval_executions_running", "Programs running now"))
        pendingSamples = registry.makeGauge(descriptor: Self.metric("codeeval_pending_samples", "Evaluation samples not yet scored over all jobs"))
        executionLatency = registry.makeDurationHistogram(descriptor: Self.metric("codeeval_execution_seconds", "Wall time of /v1/execute programs, queueing excluded"), buckets: Self.latencyBuckets)
        sampleLatency = registry.makeDurationHistogram(descriptor: Self.metric("codeeval_sample_seconds", "Wall time of one evaluation sample, queueing included"), buckets: Self.latencyBuckets)
    }

    public func recordRequest(method: String, route: String, status: Int) {
        registry.makeCounter(descriptor: Self.metric("codeeval_http_requests_total", "HTTP requests answered"),
                             labels: [("method", method), ("route", route), ("status", String(status))]).increment()
    }

    public func recordExecution(status: String, duration: Duration) {
        registry.makeCounter(descriptor: Self.metric("codeeval_executions_total", "Programs run, by verdict"), labels: [("status", status)]).increment()
        executionLatency.record(duration)
    }

    public func recordSample(passed: Bool, duration: Duration) {
        registry.makeCounter(descriptor: Self.metric("codeeval_samples_total", "Evaluation samples scored"), labels: [("result", passed ? "passed" : "failed")]).increment()
        sampleLatency.record(duration)
    }

    public func setQueue(waiting: Int, running: Int, pendingSamples: Int) {
        queueDepth.set(Double(waiting))
        self.running.set(Double(running))
        self.pendingSamples.set(Double(pendingSamples))
    }

    public func setLayers(_ layers: [String: Bool]) {
        for (layer, ok) in layers {
            registry.makeGauge(descriptor: Self.metric("codeeval_sandbox_layer_available", "1 if the sandbox isolation layer works on this host"), labels: [("layer", layer)]).set(ok ? Double(1) : Double(0))
        }
    }

    public func text() -> String { registry.emitToString() }

    /// Our metric names are complete already (`codeeval_…_total`), so no unit suffix is added.
    static func metric(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
