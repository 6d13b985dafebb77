#if canImport(Glibc)
import Glibc
#endif

/// The log-softmax of one row of logits, computed once and read for any token, as llama.cpp's
/// perplexity tool does it (`log_softmax` in tools/perplexity): the maximum in Float, each
/// `expf(logit − max)` summed in Double, and log P(token) = (logit − max) − log(sum).
struct LogSoftmax {
    let max: Float
    let logSum: Double
    /// The first index holding the maximum (greedy sampling's choice).
    let argmax: Int32

    init(_ row: UnsafeBufferPointer<Float>) {
        var mx = -Float.infinity
        var best = 0
        for i in 0..<row.count where row[i] > mx { mx = row[i]; best = i }
        var sum = 0.0
        for v in row { sum += Double(expf(v - mx)) }
        max = mx
        logSum = log(sum)
        argmax = Int32(best)
    }

    func logProb(ofLogit logit: Float) -> Float {
        Float(Double(logit - max) - logSum)
    }

    /// The `k` most likely tokens, best first, ties to the lower id.
    func top(_ k: Int, of row: UnsafeBufferPointer<Float>) -> [TokenLogProb] {
        guard k > 0 else { return [] }
        var best: [(id: Int, logit: Float)] = []
        best.reserveCapacity(k + 1)
        for i in 0..<row.count {
            let v = row[i]
            if best.count == k, let last = best.last, !(v > last.logit) { continue }
            // Insert after every entry with a logit ≥ v, so equal logits stay in id order.
            var at = best.count
            while at > 0 && best[at - 1].logit < v { at -= 1 }
            best.insert((i, v), at: at)
            if best.count > k { best.removeLast() }
        }
        return best.map { TokenLogProb(token: Int32($0.id), logProb: logProb(ofLogit: $0.logit)) }
    }
}
