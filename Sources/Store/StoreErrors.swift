import Foundation

public struct StoreError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The store did not answer in time or refused the connection: the request may succeed later (HTTP 503).
public struct StoreUnavailable: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// How work is leased: `leaseSeconds` on the database clock, renewed by the holder; a unit whose infrastructure
/// errors (not its program's verdicts) reach `maxAttempts` claims is parked and its job or run fails with a named error.
public struct LeasePolicy: Sendable, Equatable {
    public var leaseSeconds: Double = 30
    public var maxAttempts: Int = 5
    public init(leaseSeconds: Double = 30, maxAttempts: Int = 5) {
        self.leaseSeconds = leaseSeconds
        self.maxAttempts = maxAttempts
    }
}
