import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `flock` locks held on one file system right now, read from Linux's `/proc/locks` in one pass.
///
/// Why: `evflow list` and the stuck diagnosis ask who holds the lock of every instance, and probing each lock file
/// (open, fstat, a shared `flock`, close) was 100,000 probes for 100,000 parked sessions, nearly all of them unheld.
/// The kernel's table names the device and inode of every held lock, so one read of it and one listing of
/// `locks/` find the few held ones; only those are probed (which reads the holder's pid and confirms the lock).
/// Where the table cannot be read or its inodes do not match the directory's (another kernel, a file system whose
/// listing reports other inode numbers), ``read(forFilesIn:)`` returns `nil` and callers probe every file.
struct HeldLockTable {
    /// Inode numbers of the files with a held `FLOCK` on the directory's device.
    let inodes: Set<UInt64>

    /// The held locks on the file system of `directory`, or `nil` when they cannot be known from the kernel.
    static func read(forFilesIn directory: String, table path: String = "/proc/locks") -> HeldLockTable? {
        #if os(Linux)
        var status = stat()
        guard stat(directory, &status) == 0, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let device = UInt64(status.st_dev)
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~UInt64(0xfff))
        let minor = (device & 0xff) | ((device >> 12) & ~UInt64(0xff))
        var inodes = Set<UInt64>()
        // "1: FLOCK  ADVISORY  WRITE 4121 fd:01:1234567 0 EOF"; a waiter's line has "->" after the number.
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "FLOCK" else { continue }
            let parts = fields[5].split(separator: ":")
            guard parts.count == 3, let lineMajor = UInt64(parts[0], radix: 16), let lineMinor = UInt64(parts[1], radix: 16),
                  let inode = UInt64(parts[2]) else { continue }
            if lineMajor == major && lineMinor == minor { inodes.insert(inode) }
        }
        return HeldLockTable(inodes: inodes)
        #else
        return nil
        #endif
    }

    /// The entries of `directory` named `<stem><suffix>` whose inode holds a lock, by stem; `nil` when the listing's
    /// inode numbers cannot be trusted (checked on one entry against `fstatat`).
    func lockedStems(in directory: String, suffix: String) -> Set<String>? {
        if inodes.isEmpty { return [] }
        guard let entries = try? DirectoryEntries.namesAndInodes(in: directory) else { return nil }
        var checked = false
        var stems = Set<String>()
        for (name, inode) in entries where name.hasSuffix(suffix) {
            if !checked {
                var status = stat()
                guard fstatat(AT_FDCWD, "\(directory)/\(name)", &status, AT_SYMLINK_NOFOLLOW) == 0, UInt64(status.st_ino) == inode else { return nil }
                checked = true
            }
            if inodes.contains(inode) { stems.insert(String(name.dropLast(suffix.count))) }
        }
        return stems
    }
}
