import Datasets
import Foundation
import Sandbox

/// The production executor: every program runs through the Sandbox's launcher (namespaces, seccomp, rlimits), from a
/// `RunnerPool` as wide as the service's workers: zygotes where they can run (a warm interpreter per worker, forked per
/// run, every isolation layer still per run), else pre-spawned launchers.
public struct SandboxExecutor: Executor {
    public let pool: RunnerPool
    let layers: [String: Bool]
    /// Operator's choice (`codeeval serve --allow-degraded`): run without a layer the host lacks (e.g. cgroups in a
    /// container without a delegated cgroup) instead of failing closed. Verdicts and /readyz list the layers in force.
    public var allowDegraded = false

    /// Runs a probe program once, through the pool, to learn which isolation layers this host provides (for
    /// `/readyz`, `/metrics`; "zygote" among them when runs go through zygotes).
    public static func probe(pool: RunnerPool = RunnerPool(), allowDegraded: Bool = false) async -> SandboxExecutor {
        let e = await pool.run(Program(source: "print(1)"), limits: Limits(wallSeconds: 5, allowDegraded: allowDegraded))
        var layers: [String: Bool] = ["sandbox": e.status == .passed]
        for layer in e.layers { layers[layer] = true }
        var executor = SandboxExecutor(pool: pool, layers: layers)
        executor.allowDegraded = allowDegraded
        return executor
    }

    public func execute(_ request: ExecutionRequest) async throws -> ExecutionOutcome {
        var source = request.code
        if let stdin = request.stdin {
            // The launcher feeds the program on its own stdin, so the request's stdin is provided in-process.
            source = "import sys as _ce_sys, io as _ce_io\n_ce_sys.stdin = _ce_io.StringIO("
                + ProofOfPass.pythonStringLiteral(stdin) + ")\n" + source
        }
        if request.requireProof && !request.judged { source = ProofOfPass.wrap(source) }
        let limits = Limits(wallSeconds: request.timeoutSeconds, memoryBytes: request.memoryMB << 20,
                            profile: request.profile == "standard" ? .standard : .strict, allowDegraded: allowDegraded)
        let execution = await pool.run(Program(source: source, requireProof: request.requireProof), limits: limits)
        // The same JSON as `codeeval exec` prints.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let object = (try? JSONParser.parse([UInt8](try encoder.encode(execution))))?.objectValue ?? JSONObject()
        return ExecutionOutcome(status: execution.status.rawValue, execution: object,
                                wallSeconds: Double(execution.wallMs) / 1000, humanEvalResult: execution.humanEvalResult)
    }

    public func layerAvailability() -> [String: Bool] { layers }
}
