#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads that cannot be turned against the runner by whatever sits at a state file's name.
///
/// Why: the state directory is on a shared machine. Before, a read followed a symlink (to `/dev/zero`: an endless
/// read until memory ran out), blocked opening a FIFO (`evflow list` and workers hung), and took any size into
/// memory (a sparse 3 GB file aborted the process). Now the name is opened without following a link and without
/// waiting, and only a regular file within its size limit is read; anything else is described, so the store can
/// set it aside and report it.
extension DurableFile {
    /// What ``readRegularFile(_:limit:)`` found at a path.
    enum Contents: Sendable {
        /// The whole regular file, and which file it was.
        case file(bytes: [UInt8], identity: Identity)
        /// An entry that is not read: why, in words (`"it is a FIFO, not a regular file"`), and which entry it is,
        /// so it can be moved aside only if it is still the same one.
        case refused(problem: String, identity: Identity, isDirectory: Bool)
    }

    /// Reads `path` whole if it is a regular file of at most `limit` bytes; never follows a symlink at `path`,
    /// never blocks (a FIFO or a device is refused), never reads a byte of a file above `limit`.
    /// - Throws: ``FileSystemError`` when there is nothing at `path` (`isNotFound`) or a system call fails.
    func readRegularFile(_ path: String, limit: Int) throws(FileSystemError) -> Contents {
        // O_NOFOLLOW refuses a symlink as the last component (ELOOP); O_NONBLOCK makes opening a FIFO return at
        // once instead of waiting for a writer. Reads of a regular file ignore O_NONBLOCK.
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            var status = stat()
            if code == ELOOP, lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK {
                return .refused(problem: "it is a symbolic link, not a regular file", identity: Identity(status), isDirectory: false)
            }
            throw FileSystemError("open", path, code: code)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw FileSystemError("stat", path, code: errno) }
        let identity = Identity(status)
        let type = status.st_mode & S_IFMT
        guard type == S_IFREG else {
            return .refused(problem: "it is \(Self.describe(type)), not a regular file", identity: identity, isDirectory: type == S_IFDIR)
        }
        let size = Int(status.st_size)
        guard size <= limit else { return .refused(problem: Self.tooLarge(size, limit), identity: identity, isDirectory: false) }
        var bytes = [UInt8]()
        bytes.reserveCapacity(size + 1)
        // One byte more than the limit, so a file that grew since the fstat is caught rather than read on and on.
        var chunk = [UInt8](repeating: 0, count: min(max(4096, size + 1), limit + 1))
        while bytes.count <= limit {
            let count = chunk.withUnsafeMutableBytes { readBytes(descriptor, $0.baseAddress, min($0.count, limit + 1 - bytes.count)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("read", path, code: errno)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        guard bytes.count <= limit else { return .refused(problem: Self.tooLarge(bytes.count, limit), identity: identity, isDirectory: false) }
        return .file(bytes: bytes, identity: identity)
    }

    /// The kind of a non-regular entry, as an operator would say it.
    static func describe(_ type: mode_t) -> String {
        switch type {
        case S_IFLNK: return "a symbolic link"
        case S_IFIFO: return "a FIFO"
        case S_IFDIR: return "a directory"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file (type \(String(type, radix: 8)))"
        }
    }

    private static func tooLarge(_ size: Int, _ limit: Int) -> String {
        "it is \(size) bytes or more, above the limit of \(limit) bytes for this kind of state file"
    }
}

extension DurableFile.Identity {
    init(_ status: stat) {
        self.init(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }
}

/// `read(2)`, under a name no method of `DurableFile` can shadow.
private func readBytes(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
