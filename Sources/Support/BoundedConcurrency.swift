/// Runs `body(i)` for every `i` in `0..<count` with at most `width` calls in flight, handing each result to
/// `receive` in the calling task as soon as it finishes (completion order). Memory stays bounded by `width`, not by
/// `count`, which matters for sample files of hundreds of thousands of programs.
public func forEachConcurrently<R: Sendable>(
    count: Int, width: Int,
    _ body: @escaping @Sendable (Int) async throws -> R,
    receive: (Int, R) async throws -> Void
) async throws {
    try await withThrowingTaskGroup(of: (Int, R).self) { group in
        var next = 0
        while next < min(max(1, width), count) {
            let i = next
            group.addTask { (i, try await body(i)) }
            next += 1
        }
        while let (i, r) = try await group.next() {
            if next < count {
                let j = next
                group.addTask { (j, try await body(j)) }
                next += 1
            }
            try await receive(i, r)
        }
    }
}

/// `map` with at most `width` calls in flight; results in input order.
public func concurrentMap<T: Sendable, R: Sendable>(
    _ items: [T], width: Int, _ transform: @escaping @Sendable (T) async throws -> R
) async throws -> [R] {
    var out = [R?](repeating: nil, count: items.count)
    try await forEachConcurrently(count: items.count, width: width, { try await transform(items[$0]) }) { i, r in
        out[i] = r
    }
    return out.map { $0! }
}
