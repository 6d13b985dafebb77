// Module Sandbox — see README.md "Layout". (Skeleton placeholder; replaced as the module is built.)
public enum SandboxModule {
    public static let name = "Sandbox"
}
