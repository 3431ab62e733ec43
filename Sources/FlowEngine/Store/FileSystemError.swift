#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A system call that failed on a state file, with the errno; ``FileInstanceStore`` turns it into a
/// ``StoreError`` that names the instance.
struct FileSystemError: Error, Sendable, CustomStringConvertible {
    /// What was being done, in words: `"create temporary file"`, `"fsync"`, `"rename"`.
    var operation: String
    var path: String
    var code: Int32
    /// The write may have reached the disk although the call failed (a journal record appended, then its sync
    /// failed): replay may still apply it, so the caller must not report that nothing was stored, nor undo it.
    var mayHaveTakenEffect = false

    init(_ operation: String, _ path: String, code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    var isNotFound: Bool { code == ENOENT }

    var description: String {
        "\(operation) of \(path) failed: \(String(cString: strerror(code))) (errno \(code))"
    }
}

extension StoreError {
    /// An I/O failure on `error.path`, with a hint an operator can act on.
    init(_ error: FileSystemError, instanceID: String?) {
        let hint: String
        switch error.code {
        case _ where error.mayHaveTakenEffect:
            hint = "the write may still have been stored: repeat the same request (the same instance id) to learn its outcome, after fixing the disk and restarting evflow"
        case EACCES, EPERM, EROFS: hint = "check the owner and permissions of the state directory (it must be writable by the runner)"
        case ENOSPC, EDQUOT: hint = "free disk space; nothing was changed"
        case EIO: hint = "the disk reported an I/O error; check the system log"
        default: hint = "nothing was changed"
        }
        self.init(.io, instanceID: instanceID, path: error.path, detail: "\(error.operation) failed: \(String(cString: strerror(error.code))) (errno \(error.code)); \(hint)")
    }
}
