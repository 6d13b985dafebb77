import Foundation
import Testing
import Support

@Suite("SHA-256")
struct SHA256Tests {
    @Test func standardVectors() {
        #expect(SHA256Hasher.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Hasher.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Hasher.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func streamingEqualsOneShot() {
        let data = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var h = SHA256Hasher()
        var i = 0
        for size in [1, 63, 64, 65, 127, 1000, 3] { h.update(data[i..<min(i + size, data.count)]); i += size }
        h.update(data[i...])
        #expect(h.finalizeHex() == SHA256Hasher.hex(data))
    }
}

@Suite("Subprocess and bounded concurrency")
struct PlumbingTests {
    @Test func runReturnsStdoutAndFailsWithStderr() throws {
        let out = try Subprocess.run(["sh", "-c", "printf hello; printf oops >&2"])
        #expect(String(decoding: out, as: UTF8.self) == "hello")
        #expect(throws: SupportError.self) { try Subprocess.run(["sh", "-c", "echo bad >&2; exit 3"]) }
        do {
            try Subprocess.run(["sh", "-c", "echo first >&2; echo last-line >&2; exit 3"])
        } catch let e as SupportError {
            #expect(e.message.contains("exited 3"))
            #expect(e.message.contains("last-line"))
        }
    }

    @Test func largeOutputOnBothPipesDoesNotDeadlock() throws {
        let o = try Subprocess.capture(["sh", "-c", "head -c 300000 /dev/zero; head -c 300000 /dev/zero >&2"])
        #expect(o.status == 0 && o.stdout.count == 300_000 && o.stderr.count == 300_000)
    }

    @Test func concurrentMapKeepsOrderAndBoundsWidth() async throws {
        let inFlight = Counter()
        let out = try await concurrentMap(Array(0..<50), width: 3) { i -> Int in
            await inFlight.enter()
            try await Task.sleep(for: .milliseconds(2))
            await inFlight.leave()
            return i * i
        }
        #expect(out == (0..<50).map { $0 * $0 })
        #expect(await inFlight.peak <= 3)
    }

    actor Counter {
        var now = 0, peak = 0
        func enter() { now += 1; peak = max(peak, now) }
        func leave() { now -= 1 }
    }
}
