// Module Engine — see README.md "Layout". (Skeleton placeholder; replaced as the module is built.)
public enum EngineModule {
    public static let name = "Engine"
}
