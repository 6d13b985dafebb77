import Testing
@testable import Sandbox

@Test func sandboxModuleLinks() {
    #expect(SandboxModule.name == "Sandbox")
}
