// Module Scoring — see README.md "Layout". (Skeleton placeholder; replaced as the module is built.)
public enum ScoringModule {
    public static let name = "Scoring"
}
