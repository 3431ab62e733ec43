#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes whose durability comes from the ``SaveJournal`` instead of fsyncs of their own: the bytes go to a
/// temporary file (no fsync), and take the target's name only once the journal holds them durably.
extension DurableFile {
    /// Writes `bytes` to a new temporary file beside `path`, without an fsync; returns its path.
    func stage(_ path: String, _ bytes: [UInt8]) throws(FileSystemError) -> String {
        try writeTemporaryFile(for: path, bytes, synchronize: false)
    }

    /// Renames a staged file over `path` (atomic: a reader sees the old file or the new one).
    func placeStaged(_ temporary: String, at path: String) throws(FileSystemError) {
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw FileSystemError("rename into place", path, code: code)
        }
    }

    /// Links a staged file to `path` unless `path` exists (exclusive across threads and processes), and removes
    /// the temporary name. Returns whether it created `path`.
    func linkStaged(_ temporary: String, at path: String) throws(FileSystemError) -> Bool {
        defer { unlink(temporary) }
        if link(temporary, path) != 0 {
            let code = errno
            if code == EEXIST { return false }
            throw FileSystemError("link into place", path, code: code)
        }
        return true
    }
}
