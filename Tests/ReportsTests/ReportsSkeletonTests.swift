import Testing
@testable import Reports

@Test func reportsModuleLinks() {
    #expect(ReportsModule.name == "Reports")
}
