#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The names in one directory, read with `readdir(3)`: one pass, no per-entry `stat`, so listing 100,000
/// instances stays cheap.
enum DirectoryEntries {
    /// The entry names other than `.` and `..`; an empty list when the directory does not exist.
    static func names(in directory: String) throws(FileSystemError) -> [String] {
        guard let stream = opendir(directory) else {
            let code = errno
            if code == ENOENT { return [] }
            throw FileSystemError("list directory", directory, code: code)
        }
        defer { closedir(stream) }
        var names = [String]()
        errno = 0
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
            errno = 0
        }
        if errno != 0 { throw FileSystemError("list directory", directory, code: errno) }
        return names
    }

    /// Whether `directory` holds at least one `*.json` entry that is not a temporary file; stops at the first.
    static func containsJSON(_ directory: String) -> Bool {
        guard let stream = opendir(directory) else { return false }
        defer { closedir(stream) }
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name.hasSuffix(".json") && !name.hasPrefix(".") { return true }
        }
        return false
    }
}
