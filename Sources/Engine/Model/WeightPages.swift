#if canImport(Glibc)
import Glibc
#endif

/// Where the matrices are read from during a forward pass. Decode reads every weight once per token, so its speed is
/// the speed of streaming the weights from memory. A file mapping sits on 4 KiB pages, and streaming over them pays a
/// TLB miss per page; a private copy on 2 MiB transparent huge pages streams faster on x86 servers, at the cost of the
/// copy at load time and of the weights' size in anonymous memory.
///
/// `CODEEVAL_WEIGHTS=hugepages` (the default) copies the tensor data into memory advised for huge pages (falling back
/// to the mapping when the kernel refuses the memory), then drops the mapping's pages from the process; `mmap` reads
/// the file mapping in place. The bytes are the same either way, so results do not depend on it.
final class WeightPages: @unchecked Sendable {
    /// The tensor data section's base, at the file offsets the tensor infos give.
    let base: UnsafeRawPointer
    private let region: UnsafeMutableRawPointer?
    private let regionLength: Int
    let placement: String

    static let hugePageBytes = 2 << 20

    init(file: GGUFFile) {
        let wanted = getenv("CODEEVAL_WEIGHTS").map { String(cString: $0) } ?? "hugepages"
        guard wanted == "hugepages", let copy = Self.hugePageCopy(file) else {
            (base, region, regionLength, placement) = (file.base, nil, 0, "mmap")
            return
        }
        (base, region, regionLength, placement) = (UnsafeRawPointer(copy.region + copy.shift), copy.region, copy.length, "hugepages")
    }

    deinit {
        if let region { munmap(region, regionLength) }
    }

    /// The tensor data copied into an anonymous region whose data section starts on a huge-page boundary (so every
    /// tensor can sit on huge pages); nil when the memory cannot be had.
    static func hugePageCopy(_ file: GGUFFile) -> (region: UnsafeMutableRawPointer, shift: Int, length: Int)? {
        let dataBytes = file.fileSize - file.dataOffset
        guard dataBytes > 0 else { return nil }
        let length = dataBytes + 2 * hugePageBytes
        guard let raw = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), raw != MAP_FAILED else {
            return nil
        }
        // Place the data section (file offset dataOffset) at the first huge-page boundary of the region.
        let aligned = (Int(bitPattern: raw) + hugePageBytes - 1) & ~(hugePageBytes - 1)
        let dataStart = UnsafeMutableRawPointer(bitPattern: aligned)!
        _ = madvise(dataStart, dataBytes, MADV_HUGEPAGE)
        memcpy(dataStart, file.base + file.dataOffset, dataBytes)
        _ = mprotect(raw, length, PROT_READ)
        // The mapping's copy is no longer read for matrices: give its pages back (the page cache keeps the file).
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let from = (file.dataOffset + page - 1) / page * page
        if from < file.fileSize {
            _ = madvise(UnsafeMutableRawPointer(mutating: file.base + from), file.fileSize - from, MADV_DONTNEED)
        }
        return (raw, (dataStart - raw) - file.dataOffset, length)
    }
}
