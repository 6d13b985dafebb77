import Foundation

/// Follows a run from any process (a detached run's workers, or another terminal's `codeeval humaneval`) by polling
/// its store, until it ends.
public enum RunWatch {
    /// Statuses after which nothing more will happen to a run without a `codeeval resume`.
    public static let ended: Set<String> = ["complete", "failed", "interrupted", "cancelled"]

    /// Calls `update` with the run's counters every `every` until its status is in `ended`; returns its last state.
    public static func follow(_ store: any RunStore, runID: String, every: Duration = .seconds(1),
                              update: @Sendable (RunProgress) -> Void) async throws -> RunInfo {
        let start = Date()
        var info = try await store.run(runID)
        let firstSamples = try await store.counts(runID).samples
        while true {
            let samples = try await store.counts(runID).samples, verdicts = try await store.verdicts(runID)
            var perTask: [String: Int] = [:]
            for v in verdicts { perTask[v.taskID, default: 0] += 1 }
            let m = info.manifest
            update(RunProgress(tasksTotal: m.taskIDs.count, tasksDone: perTask.values.filter { $0 >= m.n }.count,
                               samplesTotal: m.taskIDs.count * m.n, samplesGenerated: samples,
                               samplesGeneratedNow: samples - firstSamples, verdicts: verdicts.count,
                               passed: verdicts.filter(\.passed).count, tokensNow: 0, elapsed: Date().timeIntervalSince(start)))
            if ended.contains(info.status) { return info }
            try await Task.sleep(for: every)
            info = try await store.run(runID)
        }
    }
}
