#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One runner per instance, across processes, with `flock(2)` on `locks/<id>.lock`.
///
/// flock locks belong to an open file description, so two `open`s in one process conflict just as two
/// processes do. Lock files are never deleted: removing one while another runner has it open would let two
/// runners lock different files of the same name.
extension FileInstanceStore {
    /// Takes the instance's lock without waiting and writes this process's pid into the lock file.
    /// - Returns: `nil` when another runner (in this process or another) holds it.
    package func lock(_ id: String) throws(StoreError) -> (any InstanceLock)? {
        try Self.validate(id)
        let path = layout.lockFile(id)
        let descriptor = try openLockFile(path, id: id)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            close(descriptor)
            if code == EWOULDBLOCK { return nil }
            throw StoreError(FileSystemError("flock", path, code: code), instanceID: id)
        }
        // For diagnostics only (`lockHolder`), so not fsynced: the lock itself lives in the kernel.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return FileInstanceLock(instanceID: id, descriptor: descriptor)
    }

    /// Takes `locks/<id>.meter.lock`, waiting for it (see ``InstanceStore/meterBindingLock(_:)``): its holders
    /// keep it for one check and one signal delivery, never across a run.
    package func meterBindingLock(_ id: String) throws(StoreError) -> any InstanceLock {
        try Self.validate(id)
        let path = layout.meterBindingLockFile(id)
        let descriptor = try openLockFile(path, id: id)
        while flock(descriptor, LOCK_EX) != 0 {
            let code = errno
            if code == EINTR { continue }
            close(descriptor)
            throw StoreError(FileSystemError("flock", path, code: code), instanceID: id)
        }
        return FileInstanceLock(instanceID: id, descriptor: descriptor)
    }

    /// Opens (creating) a lock file, refusing anything but a regular file of the runner's, mode 0600.
    private func openLockFile(_ path: String, id: String) throws(StoreError) -> Int32 {
        // O_CLOEXEC: a child process (a notify hook, a test's helper) must not inherit, and so keep, the lock.
        // O_NOFOLLOW and O_NONBLOCK: a symlink planted at the name is refused rather than followed (the chmod and
        // truncate below would otherwise hit its target), and a FIFO cannot block the open.
        let descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            if code == ELOOP { throw Self.refusedLockFile(id, path, "it is a symbolic link") }
            throw StoreError(FileSystemError("open lock file", path, code: code), instanceID: id)
        }
        do throws(StoreError) {
            try Self.checkLockFile(descriptor, id: id, path: path)
        } catch {
            close(descriptor)
            throw error
        }
        if fchmod(descriptor, 0o600) != 0 {
            let code = errno
            close(descriptor)
            throw StoreError(FileSystemError("chmod 0600", path, code: code), instanceID: id)
        }
        return descriptor
    }

    /// The process holding the instance's lock (without a pid when the holder has not written it yet), or
    /// `nil` when nobody holds it.
    ///
    /// Probing takes a shared lock for a moment; a runner calling ``lock(_:)`` at that very instant gets `nil`
    /// and tries again later, as it would for any held lock.
    package func lockHolder(_ id: String) -> LockHolder? {
        guard let pid = lockHolderProcessID(id) else { return nil }
        return LockHolder(processID: pid > 0 ? pid : nil, isAbandoned: pid > 0 && !Self.isAlive(pid))
    }

    /// Whether a process with this pid exists (EPERM: it exists, owned by someone else).
    static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// The pid written in the held lock file, `0` when held without one, `nil` when not held.
    private func lockHolderProcessID(_ id: String) -> Int32? {
        guard InstanceID.problem(with: id) == nil else { return nil }
        let descriptor = open(layout.lockFile(id), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        // Only a regular file can be a runner's lock; anything else is reported when a runner tries to lock it.
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            _ = flock(descriptor, LOCK_UN)
            return nil
        }
        guard errno == EWOULDBLOCK else { return nil }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return 0 }
        let digits = buffer[0..<count].prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        return Int32(String(decoding: digits, as: UTF8.self)) ?? 0
    }

    /// A lock file must be a regular file owned by the runner: only then are the chmod and the pid written into
    /// it (a truncate) harmless. Anything else is left exactly as it is and reported with the fix.
    static func checkLockFile(_ descriptor: Int32, id: String, path: String) throws(StoreError) {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw StoreError(FileSystemError("stat lock file", path, code: errno), instanceID: id) }
        let type = status.st_mode & S_IFMT
        guard type == S_IFREG else { throw refusedLockFile(id, path, "it is \(DurableFile.describe(type))") }
        let runner = geteuid()
        guard status.st_uid == runner else {
            throw StoreError(.io, instanceID: id, path: path, detail: "the lock file is owned by uid \(status.st_uid), not by the runner (uid \(runner)); it was left as it is. If no runner is running this instance, run `chown \(runner) \(path)` or remove it (`rm \(path)`)")
        }
    }

    static func refusedLockFile(_ id: String, _ path: String, _ problem: String) -> StoreError {
        StoreError(.io, instanceID: id, path: path, detail: "the lock file is not a regular file (\(problem)), so evflow does not lock or write it and left it as it is; if no runner is running this instance, remove it (`rm \(path)`): evflow creates a fresh one")
    }
}
