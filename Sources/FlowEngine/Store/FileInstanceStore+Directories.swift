import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The state directory and its subdirectories: created 0700 when missing, and refused when someone else could
/// change what is in them.
///
/// Why refuse instead of repairing: whoever can write the state directory can replace any session's state (and
/// with it what is captured or released), or plant links and FIFOs in it. A directory the runner does not own,
/// or that group or others can write, is a configuration mistake an operator must see and fix; the error says
/// the command. Subdirectories the runner owns but someone loosened are tightened back to 0700, as before.
extension FileInstanceStore {
    /// Creates `directory` (0700) if it is missing and makes its new name durable.
    /// - Returns: whether it was created.
    @discardableResult
    /// - Parameter synchronize: `false` when something else restores the directory after a crash (the journal's
    ///   replay recreates an inbox directory with its signals).
    func makeDirectory(_ directory: String, instanceID: String?, synchronize: Bool = true) throws(StoreError) -> Bool {
        if mkdir(directory, 0o700) != 0 {
            let code = errno
            if code == EEXIST { return false }
            throw StoreError(FileSystemError("create directory", directory, code: code), instanceID: instanceID)
        }
        do throws(FileSystemError) {
            // mkdir's mode is narrowed by the umask; 0700 is what we want, no more, no less.
            if chmod(directory, 0o700) != 0 { throw FileSystemError("chmod 0700", directory, code: errno) }
            if synchronize { try files.syncDirectory(containing: directory) }
        } catch {
            throw StoreError(error, instanceID: instanceID)
        }
        return true
    }

    func prepareDirectories() throws(StoreError) {
        let root = layout.root
        var status = stat()
        if stat(root, &status) != 0 {
            do {
                try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError(.io, instanceID: nil, path: root, detail: "cannot create the state directory: \(error.localizedDescription)")
            }
            if chmod(root, 0o700) != 0 {
                throw StoreError(FileSystemError("chmod 0700", root, code: errno), instanceID: nil)
            }
            guard stat(root, &status) == 0 else { throw StoreError(FileSystemError("stat", root, code: errno), instanceID: nil) }
        }
        // The root may be a symlink (`/var/lib/evflow` -> `/data/evflow`): what it points to is checked.
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw StoreError(.io, instanceID: nil, path: root, detail: "the state directory path exists and is not a directory")
        }
        try Self.checkOwnership(status, of: root, what: "the state directory")
        if status.st_mode & 0o022 != 0 {
            throw StoreError(.io, instanceID: nil, path: root, detail: "the state directory is writable by \(status.st_mode & 0o020 != 0 ? "its group" : "others")\(status.st_mode & 0o022 == 0o022 ? " and others" : "") (mode \(String(status.st_mode & 0o7777, radix: 8))): whoever can write there can change the state of sessions that move money. Run `chmod 700 \(root)` and try again")
        }
        for directory in layout.directories {
            if try makeDirectory(directory, instanceID: nil) { continue }
            // Existing subdirectories must be real directories of the runner's; tighten them if someone loosened them.
            guard lstat(directory, &status) == 0 else {
                throw StoreError(FileSystemError("stat", directory, code: errno), instanceID: nil)
            }
            switch status.st_mode & S_IFMT {
            case S_IFDIR: break
            case S_IFLNK:
                throw StoreError(.io, instanceID: nil, path: directory, detail: "this is a symbolic link; evflow keeps its files in real directories and does not follow it. Move what it points to here (`rm \(directory) && mv <target> \(directory)`), or point the state directory at the real location")
            default:
                throw StoreError(.io, instanceID: nil, path: directory, detail: "expected a directory here; move the file away")
            }
            try Self.checkOwnership(status, of: directory, what: "this directory of the state directory")
            if status.st_mode & 0o777 != 0o700, chmod(directory, 0o700) != 0 {
                throw StoreError(FileSystemError("chmod 0700", directory, code: errno), instanceID: nil)
            }
        }
    }

    /// Refuses a directory the runner (the effective uid) does not own.
    private static func checkOwnership(_ status: stat, of path: String, what: String) throws(StoreError) {
        let runner = geteuid()
        guard status.st_uid != runner else { return }
        throw StoreError(.io, instanceID: nil, path: path, detail: "\(what) is owned by uid \(status.st_uid), not by the user running evflow (uid \(runner)). Run `chown \(runner) \(path)` (or run evflow as uid \(status.st_uid)) and try again")
    }
}
