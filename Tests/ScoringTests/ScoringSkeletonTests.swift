import Testing
@testable import Scoring

@Test func scoringModuleLinks() {
    #expect(ScoringModule.name == "Scoring")
}
