import CKernels

/// Which quantized-kernel family this process uses (CKernels' runtime dispatch). Levels sum
/// floats in different orders, so a model's logits differ between them at rounding level:
/// runs record it in their manifest, and a run is only resumed or reused at the same level.
/// A suffix numbers the revisions of a level's summation order (`-v2`: Q5_0/Q8_0 accumulate
/// block by block in token and row lanes): bump it with every such change, so that stored
/// runs made with the old order are neither resumed nor reused.
public enum KernelLevel {
    public static var name: String {
        switch ck_kernel_level() {
        case 2: return "avx512-vnni-v2"
        case 1: return "avx2"
        default: return "portable"
        }
    }
}
