import Testing
@testable import Datasets

@Test func datasetsModuleLinks() {
    #expect(DatasetsModule.name == "Datasets")
}
