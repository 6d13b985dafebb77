import Testing
@testable import Evaluation

@Test func evaluationModuleLinks() {
    #expect(EvaluationModule.name == "Evaluation")
}
