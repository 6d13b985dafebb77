import Evaluation
import Store

extension StoreLocation {
    /// Opens the store (applying any pending migration, under the backend's lock).
    public func open() async throws -> any JobQueueStore {
        switch self {
        case .sqlite(let path): return try SQLiteJobStore(path: path)
        case .postgres(let location): return try await PostgresJobStore(location)
        }
    }

    /// Applies pending migrations and returns every version now applied, oldest first. A PostgreSQL database holds
    /// the job tables and the run tables together; a SQLite file holds jobs only (runs keep a file of their own).
    public func migrate() async throws -> [String] {
        switch self {
        case .sqlite(let path): return try SQLiteJobStore.migrate(path: path)
        case .postgres(let location):
            let jobs = try await PostgresJobStore(location)
            defer { jobs.close() }
            let runs = try await PostgresRunStore(location)
            defer { runs.close() }
            return try await runs.appliedMigrations()
        }
    }
}
