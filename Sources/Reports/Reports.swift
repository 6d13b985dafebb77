// Module Reports — see README.md "Layout". (Skeleton placeholder; replaced as the module is built.)
public enum ReportsModule {
    public static let name = "Reports"
}
