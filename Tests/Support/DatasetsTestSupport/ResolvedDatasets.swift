import Datasets
import Testing

/// The datasets, resolved as the CLI resolves them (`CODEEVAL_DATA`, then the user cache that
/// `codeeval datasets fetch` fills). A test that needs them fails loudly, with the message that says how to get them.
public func resolvedDatasets(sourceLocation: SourceLocation = #_sourceLocation) throws -> DatasetStore {
    let store = DatasetStore()
    do { _ = try store.locate(.humaneval) } catch {
        Issue.record("\(error)", sourceLocation: sourceLocation)
        throw error
    }
    return store
}
