// Module Prompting — see README.md "Layout". (Skeleton placeholder; replaced as the module is built.)
public enum PromptingModule {
    public static let name = "Prompting"
}
