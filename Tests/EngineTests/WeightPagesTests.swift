import Foundation
import Testing
@testable import Engine

/// The huge-page copy of the weights must be the same bytes at the same offsets: the logits cannot change.
@Suite("Weight placement", .serialized, .enabled(if: TestModels.smallEnabled, TestModels.smallSkip))
struct WeightPagesTests {
    @Test func hugePageCopyGivesTheMappingsLogits() async throws {
        let path = try TestModels.require("gemma3-270m").path
        let logits = try await offPool { () -> [String: [Float]] in
            var out: [String: [Float]] = [:]
            for placement in ["mmap", "hugepages"] {
                setenv("CODEEVAL_WEIGHTS", placement, 1)
                defer { unsetenv("CODEEVAL_WEIGHTS") }
                let model = try Model(path: path)
                #expect(model.weightPlacement == placement)
                let cache = model.makeCache(capacity: 64)
                out[placement] = try model.forward([2, 1596, 1138, 236769, 15044], cache: cache, allLogits: true)
            }
            return out
        }
        let a = try #require(logits["mmap"]), b = try #require(logits["hugepages"])
        #expect(a.count == b.count && a.count > 0)
        #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
    }
}
