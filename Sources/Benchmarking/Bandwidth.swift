import Engine
import Foundation

/// What bounds single-stream decode: every token reads every weight once, so decode cannot beat
/// read bandwidth ÷ bytes read per token.
public enum DecodeBound {
    /// Bytes of weights one decoded token reads: every tensor, except the embedding table when a separate output
    /// matrix exists (then only one embedding row is read per token).
    public static func bytesPerToken(_ file: GGUFFile) -> Int {
        let total = file.tensors.reduce(0) { $0 + $1.byteCount }
        guard file.tensor(named: "output.weight") != nil, let emb = file.tensor(named: "token_embd.weight") else { return total }
        return total - emb.byteCount
    }

    /// The machine's read bandwidth in bytes per second with `threads` threads, each summing its share of a buffer
    /// far larger than any cache; the best of `rounds`. The buffer sits on the page size the weights use
    /// (`hugePages`: 2 MiB transparent huge pages, as `CODEEVAL_WEIGHTS=hugepages` places them; else 4 KiB pages,
    /// like the file mapping), because the same loop reads faster on huge pages and the bound must be the one the
    /// weights can reach.
    public static func readBandwidth(threads: Int, hugePages: Bool, bytes: Int = 1 << 30, rounds: Int = 5) -> Double {
        let count = bytes / MemoryLayout<SIMD8<Float>>.stride
        guard let (raw, unmap) = mapBuffer(bytes: bytes, hugePages: hugePages) else { return 0 }
        defer { unmap() }
        let buffer = raw.bindMemory(to: SIMD8<Float>.self, capacity: count)
        buffer.initialize(repeating: SIMD8(repeating: 1), count: count)
        let sink = UnsafeMutablePointer<Float>.allocate(capacity: threads)
        defer { sink.deallocate() }
        // Each thread reads its own disjoint range and writes its own sink slot.
        nonisolated(unsafe) let data = UnsafePointer(buffer), out = sink
        var best = 0.0
        for _ in 0..<rounds {
            let t0 = now()
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let lo = count * t / threads, hi = count * (t + 1) / threads
                var a = SIMD8<Float>(), b = SIMD8<Float>(), c = SIMD8<Float>(), d = SIMD8<Float>()
                var i = lo
                while i + 4 <= hi {
                    a += data[i]; b += data[i + 1]; c += data[i + 2]; d += data[i + 3]
                    i += 4
                }
                out[t] = (a + b + c + d).sum()
            }
            best = max(best, Double(count * MemoryLayout<SIMD8<Float>>.stride) / (now() - t0))
        }
        return best
    }

    /// `bytes` of anonymous memory starting on a 2 MiB boundary, on huge pages or held to 4 KiB pages; with the call
    /// that unmaps it.
    static func mapBuffer(bytes: Int, hugePages: Bool) -> (UnsafeMutableRawPointer, () -> Void)? {
        let huge = 2 << 20
        guard let mapped = mmap(nil, bytes + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), mapped != MAP_FAILED else { return nil }
        let raw = UnsafeMutableRawPointer(bitPattern: (Int(bitPattern: mapped) + huge - 1) & ~(huge - 1))!
        _ = madvise(raw, bytes, hugePages ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)
        return (raw, { munmap(mapped, bytes + huge) })
    }

    /// `model name` and the SIMD flags that choose our kernels, from /proc/cpuinfo.
    public static func cpu() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        let lines = text.split(separator: "\n")
        let model = lines.first { $0.hasPrefix("model name") }.map { String($0.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        let flags = Set(lines.first { $0.hasPrefix("flags") }.map { $0.split(separator: " ").map(String.init) } ?? [])
        let simd = ["avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni"].filter(flags.contains)
        return "\(model) [\(simd.joined(separator: " "))]"
    }
}
