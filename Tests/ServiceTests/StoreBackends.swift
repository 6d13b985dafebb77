import Foundation
import Store
import Testing
@testable import Service

/// The job-store backends a parameterised test runs against: SQLite always, PostgreSQL when
/// `CODEEVAL_TEST_POSTGRES_URL` names a server (scripts/test starts one). Each PostgreSQL store gets a schema of its
/// own, so tests never see each other's jobs.
enum StoreBackend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres

    static let postgresURL = ProcessInfo.processInfo.environment["CODEEVAL_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static var available: [StoreBackend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }
    static let skipReason: Comment = "CODEEVAL_TEST_POSTGRES_URL is not set: the PostgreSQL half of the store tests did not run"

    var testDescription: String { rawValue }

    /// A location for a new, empty store.
    func freshLocation() throws -> StoreLocation {
        switch self {
        case .sqlite: return .sqlite(path: tempDBPath())
        case .postgres:
            let url = try #require(Self.postgresURL)
            let schema = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
            return try StoreLocation.parse(url + (url.contains("?") ? "&" : "?") + "schema=\(schema)")
        }
    }

    func open() async throws -> any JobQueueStore { try await freshLocation().open() }
}

/// Reports the PostgreSQL half as skipped, with its reason, when no server was given (rather than passing silently).
@Suite struct PostgresAvailability {
    @Test(.enabled(if: StoreBackend.postgresURL != nil, StoreBackend.skipReason))
    func postgresStoreAnswers() async throws {
        let store = try await StoreBackend.postgres.open()
        try await store.ping()
        #expect(store.backend == "postgresql")
    }
}
