// Module Datasets — see README.md "Layout". (Skeleton placeholder; replaced as the module is built.)
public enum DatasetsModule {
    public static let name = "Datasets"
}
