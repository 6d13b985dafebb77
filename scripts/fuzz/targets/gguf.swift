// libFuzzer target: the GGUF reader (header, metadata of every value type, tensor table, alignment, offsets) on
// arbitrary bytes, through the same entry point as a model file (a path). It must throw GGUFError
// or succeed, never trap, and every tensor it accepts must lie inside the file.
#if canImport(Glibc)
import Glibc
#endif

/// One scratch file for all inputs (rewritten per input): the reader maps a path, as it maps a model.
private let scratch: (fd: Int32, path: String) = {
    var template = Array("/tmp/codeeval-gguf-fuzz-XXXXXX".utf8CString)
    let fd = mkstemp(&template)
    guard fd >= 0 else { fatalError("mkstemp") }
    let path = String(cString: template)
    unlink(path)
    return (fd, "/proc/self/fd/\(fd)")
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard ftruncate(scratch.fd, 0) == 0 else { fatalError("ftruncate") }
    var done = 0
    while done < size {
        let n = pwrite(scratch.fd, data + done, size - done, off_t(done))
        guard n > 0 else { fatalError("write") }
        done += n
    }
    guard let file = try? GGUFFile(path: scratch.path) else { return 0 }
    for t in file.tensors {
        guard t.fileOffset >= file.dataOffset, t.byteCount >= 0, t.fileOffset + t.byteCount <= file.fileSize else {
            fatalError("tensor \(t.name) outside the file")
        }
        _ = file.data(of: t).count
    }
    return 0
}
