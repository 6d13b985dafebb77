import Testing
@testable import Prompting

@Test func promptingModuleLinks() {
    #expect(PromptingModule.name == "Prompting")
}
