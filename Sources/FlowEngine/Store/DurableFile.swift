import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file writes that survive a crash of the process or the machine, and reads that remember which file
/// they read (see `DurableFile+Reading.swift`).
///
/// A write never touches the target in place: the bytes go to a temporary file in the same directory (created
/// with `O_EXCL`, mode 0600), which is fsynced and then takes the target's name (`rename` to replace, `link` to
/// create exclusively); the directory is fsynced last so the new name itself is on disk. A crash at any point
/// leaves the old file or the new one, never a mix; at worst a temporary file (`.<name>.<random>.tmp`) stays
/// behind, which listings ignore.
package struct DurableFile: Sendable {
    /// Test seam: failures injected between the steps of a write, as if the file system had refused them.
    struct Faults: Sendable {
        /// Called once the temporary file is complete and synced, before it takes the target's name; returning
        /// an errno makes that step fail.
        var beforeCommit: @Sendable (_ target: String) -> Int32?
        /// Called before each sync of the group-commit journal; returning an errno makes that sync fail (a disk
        /// that reports an error once the record is written).
        var journalSync: (@Sendable () -> Int32?)? = nil
    }

    /// Which file a read saw, so it can be moved aside only if it is still the same file.
    struct Identity: Equatable, Sendable {
        var device: UInt64
        var inode: UInt64
    }

    let counters: StoreCounters
    let faults: Faults?
    /// `false` only for throwaway folders (flow tests, see ``FileInstanceStore/scratch(stateDirectory:)``):
    /// writes stay atomic (temporary file, then rename or link) but skip every fsync, which is what survives
    /// a machine crash and nothing else. A killed process loses nothing either way: the kernel keeps the data.
    var synchronizes = true

    /// Replaces (or creates) `path` atomically and durably: 1 durable write, 2 fsyncs (file, directory).
    func replace(_ path: String, with bytes: [UInt8]) throws(FileSystemError) {
        let temporary = try writeTemporaryFile(for: path, bytes)
        do throws(FileSystemError) {
            try injectFault(before: path)
            if rename(temporary, path) != 0 { throw FileSystemError("rename into place", path, code: errno) }
        } catch {
            unlink(temporary)
            throw error
        }
        try syncDirectory(containing: path)
        counters.recordDurableWrite()
    }

    /// Creates `path` unless it exists, atomically and durably: the file appears complete or not at all, and of
    /// several concurrent creators (threads or processes) exactly one gets `true`, because `link(2)` refuses an
    /// existing name. 1 durable write and 2 fsyncs when created; nothing written when the file already exists.
    func create(_ path: String, with bytes: [UInt8]) throws(FileSystemError) -> Bool {
        if access(path, F_OK) == 0 { return false }
        let temporary = try writeTemporaryFile(for: path, bytes)
        defer { unlink(temporary) }
        try injectFault(before: path)
        if link(temporary, path) != 0 {
            let code = errno
            if code == EEXIST { return false }
            throw FileSystemError("link into place", path, code: code)
        }
        // The temporary name goes before the directory fsync, so one fsync makes both changes durable.
        unlink(temporary)
        try syncDirectory(containing: path)
        counters.recordDurableWrite()
        return true
    }

    /// Moves the file read as `identity` from `path` into `directory` under `name`, never replacing anything
    /// there (a numeric suffix is added instead), and makes the move durable. Returns the new path, or `nil`
    /// when `path` is no longer that file (replaced or moved by someone else meanwhile): the caller reads again.
    ///
    /// The entry itself moves, whatever it is: a symlink is moved as a symlink (`link(2)` does not follow it on
    /// Linux), a directory by `rename(2)` (it cannot be hard-linked), and what either points to is never touched.
    func moveAside(_ path: String, identity: Identity, into directory: String, name: String, extension fileExtension: String, isDirectory: Bool = false) throws(FileSystemError) -> String? {
        var attempt = 1
        while true {
            let candidate = "\(directory)/\(name)\(attempt == 1 ? "" : "-\(attempt)").\(fileExtension)"
            if isDirectory {
                if self.identity(of: candidate) != nil { attempt += 1; continue }
                return try renameAside(path, identity: identity, to: candidate)
            }
            if link(path, candidate) != 0 {
                let code = errno
                if code == EEXIST { attempt += 1; continue }
                if code == ENOENT { return nil }
                throw FileSystemError("link into \(directory)", path, code: code)
            }
            guard self.identity(of: candidate) == identity else {
                // A writer replaced `path` between our read and the link: keep its file, drop our extra name.
                unlink(candidate)
                return nil
            }
            if self.identity(of: path) == identity { unlink(path) }
            try syncDirectory(containing: candidate)
            try syncDirectory(containing: path)
            return candidate
        }
    }

    /// Moves a directory entry by `rename(2)`. `corrupt/` is the runner's own 0700 directory and `candidate` was
    /// free just before, so the only thing a rename could replace there is an empty directory another runner
    /// set aside under the same name in the same millisecond.
    private func renameAside(_ path: String, identity: Identity, to candidate: String) throws(FileSystemError) -> String? {
        guard self.identity(of: path) == identity else { return nil }
        if rename(path, candidate) != 0 {
            let code = errno
            if code == ENOENT { return nil }
            throw FileSystemError("rename into \(Self.directory(of: candidate))", path, code: code)
        }
        guard self.identity(of: candidate) == identity else {
            // Someone swapped the entry between the check and the rename: put theirs back.
            rename(candidate, path)
            return nil
        }
        try syncDirectory(containing: candidate)
        try syncDirectory(containing: path)
        return candidate
    }

    /// fsyncs a directory, making the names created, renamed or removed in it durable.
    func syncDirectory(_ directory: String) throws(FileSystemError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError("open directory", directory, code: errno) }
        defer { close(descriptor) }
        try sync(descriptor, directory)
    }

    func syncDirectory(containing path: String) throws(FileSystemError) {
        try syncDirectory(Self.directory(of: path))
    }

    /// The entry at `path` itself (`lstat`: a symlink's own identity, not its target's).
    func identity(of path: String) -> Identity? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return Identity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    /// Temporary files start with a dot and end in `.tmp`, so listings of `*.json` never see them.
    static func isTemporary(_ name: String) -> Bool { name.hasPrefix(".") && name.hasSuffix(".tmp") }

    func writeTemporaryFile(for path: String, _ bytes: [UInt8], synchronize: Bool = true) throws(FileSystemError) -> String {
        let directory = Self.directory(of: path)
        let name = path[path.index(after: path.lastIndex(of: "/") ?? path.startIndex)...]
        let temporary = "\(directory)/.\(name).\(String(UInt64.random(in: 0...UInt64.max), radix: 16)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw FileSystemError("create temporary file", temporary, code: errno) }
        var isOpen = true
        do throws(FileSystemError) {
            // The umask only narrows the mode given to open(2); state files must be 0600 whatever it is.
            if fchmod(descriptor, 0o600) != 0 { throw FileSystemError("chmod 0600", temporary, code: errno) }
            try writeAll(descriptor, bytes, temporary)
            if synchronize { try sync(descriptor, temporary) }
            isOpen = false
            // close(2) can report a deferred write error (NFS); the descriptor is gone either way.
            if close(descriptor) != 0 { throw FileSystemError("close", temporary, code: errno) }
        } catch {
            if isOpen { close(descriptor) }
            unlink(temporary)
            throw error
        }
        return temporary
    }

    private func writeAll(_ descriptor: Int32, _ bytes: [UInt8], _ path: String) throws(FileSystemError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("write", path, code: errno)
            }
            offset += written
        }
    }

    private func sync(_ descriptor: Int32, _ path: String) throws(FileSystemError) {
        guard synchronizes else { return }
        while fsync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw FileSystemError("fsync", path, code: errno)
        }
        counters.recordFsync()
    }

    func injectFault(before target: String) throws(FileSystemError) {
        if let code = faults?.beforeCommit(target) { throw FileSystemError("injected failure before commit", target, code: code) }
    }
}
