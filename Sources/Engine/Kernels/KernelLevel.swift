import CKernels

/// Which quantized-kernel family this process uses (CKernels' runtime dispatch). Levels sum
/// floats in different orders, so a model's logits differ between them at rounding level:
/// runs record it in their manifest, and a run is only resumed or reused at the same level.
public enum KernelLevel {
    public static var name: String {
        switch ck_kernel_level() {
        case 2: return "avx512-vnni"
        case 1: return "avx2"
        default: return "portable"
        }
    }
}
