import Evaluation
import Foundation

/// Plain-text and JSON renderings of one run: manifest (every parameter, checklist 37), scores, per-task table,
/// verdict breakdown and throughput.
public enum RunReport {
    static func pct(_ x: Double) -> String { String(format: "%.2f", 100 * x) }

    public static func manifestLines(_ r: RunResults) -> [(String, String)] {
        let m = r.info.manifest
        return [
            ("run", r.info.id), ("status", r.info.status), ("benchmark", m.benchmark), ("profile", m.profile),
            ("model", m.model), ("model sha256", m.modelSHA256 ?? "-"),
            ("parameters", m.parameterCount.map(String.init) ?? "-"), ("source", m.source + (m.endpoint.map { " \($0)" } ?? "")),
            ("n", String(m.n)), ("k", m.ks.map(String.init).joined(separator: ",")),
            ("temperature", String(m.temperature)), ("top-p", String(m.topP)), ("max tokens", String(m.maxTokens)),
            ("stops", m.stops.map { $0.debugDescription }.joined(separator: " ")), ("seed", String(m.seed)),
            ("dataset sha256", m.datasetSHA256), ("prompt template sha256", m.promptTemplateHash),
            ("tasks", String(m.taskIDs.count)), ("code version", m.codeVersion), ("kernels", m.kernels ?? (m.source == "local" ? "not recorded" : "n/a")),
        ] + remoteLines(m)
    }

    /// A remote run's other endpoints, API, the model names its servers answered with, and that it is not pinned.
    static func remoteLines(_ m: RunManifest) -> [(String, String)] {
        guard m.source == "remote" else { return [] }
        var out: [(String, String)] = [("api", m.api ?? "completions")]
        if let all = m.endpoints { out.append(("endpoints", all.joined(separator: " "))) }
        if let served = m.servedModels { out.append(("served model", served.joined(separator: ", "))) }
        out.append(("bit-reproducible", "no (the samples depend on the remote servers' software and batching)"))
        return out
    }

    public static func scoreLines(_ r: RunResults) -> [(String, String)] {
        var out: [(String, String)] = []
        for k in r.passAtK.keys.sorted() {
            let label = k == 1 ? r.pass1Label : "pass@\(k)"
            var v = pct(r.passAtK[k]!)
            if k == 1, let se = r.passAt1StandardError { v += " ± " + pct(se) + " (binomial s.e. over tasks)" }
            out.append((label, v))
        }
        if let maj = r.majorityAccuracy { out.append(("maj1@\(r.info.manifest.n)", pct(maj))) }
        out.append(("sample accuracy", pct(r.sampleAccuracy)))
        return out
    }

    public static func text(_ r: RunResults) -> String {
        var s = ""
        let rows = manifestLines(r) + scoreLines(r) + [
            ("verdicts", r.statusCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")),
            ("samples", "\(r.samples) (\(r.verdicts) judged)"),
            // A sample's decode time runs from its admission to its end, shared with the rest of its batch, so
            // tokens over summed decode time is a per-sequence rate, not the engine's throughput. The stored wall
            // time adds up the sessions that ended cleanly (a killed session's time is lost with it).
            ("throughput", String(format: "%.2f samples/s, %d tokens, per-sequence decode %.1f tokens/s, wall %.1fs (clean sessions)",
                                  r.samplesPerSecond, r.generatedTokens, r.tokensPerSecond, r.info.wallSeconds)),
            ("execution", String(format: "%d verdicts, %.1f ms mean, %.1fs total", r.verdicts, r.meanJudgeMs, r.judgeSeconds)),
        ]
        let w = rows.map(\.0.count).max() ?? 0
        for (k, v) in rows { s += k.padding(toLength: w, withPad: " ", startingAt: 0) + "  " + v + "\n" }
        return s
    }

    /// `text` followed by the per-task table (`runs show`, `report`).
    public static func full(_ r: RunResults) -> String { text(r) + "\n" + taskTable(r) }

    public static func taskTable(_ r: RunResults) -> String {
        var s = "task\tn\tc\tverdicts\n"
        for t in r.tasks {
            s += "\(t.taskID)\t\(t.n)\t\(t.c)\t" + t.statuses.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",") + "\n"
        }
        return s
    }

    /// The live progress line: tasks done/total, samples, samples/s and tokens/s of this process, pass rate, ETA.
    /// One line of `codeeval runs list`.
    public static func listLine(_ info: RunInfo, _ r: RunResults) -> String {
        let m = info.manifest
        let score = r.passAtK.keys.sorted().map { "pass@\($0)=\(String(format: "%.4f", r.passAtK[$0]!))" }.joined(separator: " ")
        return "\(info.id)\t\(info.status)\t\(m.benchmark)\t\(m.model)\t\(m.profile)\tn=\(m.n)\t\(r.verdicts)/\(m.taskIDs.count * m.n)\t\(score)"
    }

    public static func progressLine(_ p: RunProgress) -> String {
        let sps = p.elapsed > 0 ? Double(p.samplesGeneratedNow) / p.elapsed : 0
        let tps = p.elapsed > 0 ? Double(p.tokensNow) / p.elapsed : 0
        let remaining = p.samplesTotal - p.samplesGenerated
        let eta = remaining == 0 ? "0s" : sps > 0 ? String(format: "%.0fs", Double(remaining) / sps) : "-"
        let rate = p.verdicts > 0 ? 100 * Double(p.passed) / Double(p.verdicts) : 0
        return "tasks \(p.tasksDone)/\(p.tasksTotal)  samples \(p.samplesGenerated)/\(p.samplesTotal)  "
            + String(format: "%.2f samples/s  %.1f tok/s  pass %.1f%%  ETA ", sps, tps, rate) + eta
    }

    /// What this process did (resumed runs count only their new samples): printed when a run ends.
    public static func sessionLine(_ p: RunProgress) -> String {
        String(format: "session: generated %d samples (%d tokens), %d verdicts in total, %.1fs",
               p.samplesGeneratedNow, p.tokensNow, p.verdicts, p.elapsed)
    }

    /// Self-contained HTML page: manifest, scores, verdict breakdown, throughput, per-task outcomes.
    public static func html(_ r: RunResults) -> String {
        let m = r.info.manifest
        var body = "<h2>Scores</h2>\n" + HTML.definitions(scoreLines(r))
        body += "<h2>Verdicts</h2>\n" + HTML.table(["status", "samples"],
                                                    r.statusCounts.sorted { $0.key < $1.key }.map { [$0.key, String($0.value)] },
                                                    numeric: [1])
        body += "<h2>Throughput</h2>\n" + HTML.definitions([
            ("samples", "\(r.samples) (\(r.verdicts) judged)"),
            ("samples/s (wall)", String(format: "%.2f", r.samplesPerSecond)),
            ("decode tokens/s", String(format: "%.1f", r.tokensPerSecond)),
            ("generated tokens", String(r.generatedTokens)), ("prompt tokens", String(r.promptTokens)),
            ("wall seconds", String(format: "%.1f", r.info.wallSeconds)),
            ("execution / checking", String(format: "%d verdicts, %.1f ms mean, %.1f s total", r.verdicts, r.meanJudgeMs, r.judgeSeconds)),
        ])
        body += "<h2>Manifest</h2>\n" + HTML.definitions(manifestLines(r))
        let isMath = r.tasks.contains { $0.majorityCorrect != nil }
        body += "<h2>Tasks</h2>\n" + HTML.table(
            ["task", "n", "correct", "pass rate"] + (isMath ? ["maj1@\(m.n)"] : []) + ["verdicts"],
            r.tasks.map { t in
                [t.taskID, String(t.n), String(t.c), t.n > 0 ? pct(Double(t.c) / Double(t.n)) : "-"]
                    + (isMath ? [t.majorityCorrect.map { $0 ? "correct" : "wrong" } ?? "-"] : [])
                    + [t.statuses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")]
            }, numeric: [1, 2, 3])
        return HTML.page(title: "codeeval run \(r.info.id): \(m.benchmark), \(m.model)", body: body)
    }

    public static func jsonSummary(_ r: RunResults) -> String { r.summaryJSON() }
}
