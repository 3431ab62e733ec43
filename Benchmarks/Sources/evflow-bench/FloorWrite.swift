import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One atomic, durable file replacement with exactly the system calls evflow's store makes for a state write
/// (`Sources/FlowEngine/Store/DurableFile.swift`, which is internal to FlowEngine): write a temporary file
/// (`O_EXCL`, 0600), fsync it, rename it over the target, fsync the directory. Nothing else: no encoding, no
/// locking, no bookkeeping, so its cost is the floor under any durable JSON-file store on this disk.
struct FloorWrite: Sendable {
    /// A typical instance file's size (an EV session's state with its history is about 3 KB).
    static let typicalBytes = 3_072

    let directory: String
    let bytes: [UInt8]

    init(directory: String, size: Int = FloorWrite.typicalBytes) {
        self.directory = directory
        // JSON-looking filler; the content does not matter to the disk.
        bytes = Array(String(repeating: "{\"k\":\"0123456789abcdef\"},", count: size / 25 + 1).utf8.prefix(size))
    }

    /// Replaces `directory/name` durably: 1 write, 2 fsyncs (file, directory).
    func replace(_ name: String) throws {
        let target = "\(directory)/\(name)"
        let temporary = "\(directory)/.\(name).\(String(UInt64.random(in: 0...UInt64.max), radix: 16)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("create", temporary) }
        // DurableFile sets the mode explicitly too (the umask only narrows open(2)'s mode).
        fchmod(descriptor, 0o600)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                let error = failure("write", temporary)
                close(descriptor)
                throw error
            }
            offset += written
        }
        guard fsync(descriptor) == 0 else {
            let error = failure("fsync", temporary)
            close(descriptor)
            throw error
        }
        close(descriptor)
        guard rename(temporary, target) == 0 else { throw failure("rename", target) }
        try syncDirectory()
    }

    /// One more fsync of the directory alone, for the flow's fsyncs that are not part of a whole-file write.
    func syncDirectory() throws {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open", directory) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("fsync", directory) }
    }

    private func failure(_ operation: String, _ path: String) -> BenchError {
        BenchError("floor write: \(operation) \(path) failed: \(String(cString: strerror(errno)))")
    }
}
