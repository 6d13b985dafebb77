// Module Evaluation — see README.md "Layout". (Skeleton placeholder; replaced as the module is built.)
public enum EvaluationModule {
    public static let name = "Evaluation"
}
