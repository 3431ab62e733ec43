import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What one replay of the journal found.
package struct JournalReplay: Sendable, Equatable {
    /// Records read whole and with a matching checksum.
    package var records = 0
    /// Files written from the journal because they lacked their last durable record.
    package var applied: [String] = []
    /// Complete records whose checksum did not match: never applied, their bytes copied to `corrupt/`.
    package var damaged = 0
    /// Where the damaged bytes went.
    package var setAside: [String] = []
    /// Bytes of partial records (a writer killed mid-append, or the unsynced tail after a machine crash):
    /// nobody was told they were durable, so they are skipped.
    package var tornBytes = 0
    /// Whether the machine restarted since a record was written (or the system has no boot id).
    package var afterRestart = false
}

/// Replay and checkpoints: run with the journal locked exclusively (no save in flight in any process).
///
/// Replay brings every file up to its last durable record. Within one boot a file lacks it only when its writer
/// was killed between the sync and the rename (the `put` has no `placed` after it). A create's `placed` can follow
/// the `put` of the run it woke (``Arrival``), so a kill before that run renames its file leaves that synced `put`
/// unapplied: harmless, since that save had not returned and the file holds the create it follows. After a machine
/// restart any file written since the last checkpoint may have lost its unsynced bytes, so every file is compared
/// with its last `put` and rewritten when it differs. A checkpoint then makes every file durable on its own (`syncfs`)
/// and empties the journal.
extension SaveJournal {
    /// At open: replays, and checkpoints after a restart or when the journal is large. When another process
    /// holds the journal (saves in flight), its own replay ran when it opened: this one only waits for a
    /// replay or checkpoint in progress to finish, so it never reads files a replay is still writing.
    func replayAtOpen() throws(FileSystemError) {
        if flock(journalDescriptor, LOCK_EX | LOCK_NB) == 0 {
            defer { _ = flock(journalDescriptor, LOCK_UN) }
            let afterRestart = try replay()
            if afterRestart || journalSize() >= checkpointSize { try checkpoint(replaying: false) }
            return
        }
        while flock(journalDescriptor, LOCK_SH) != 0 && errno == EINTR {}
        _ = flock(journalDescriptor, LOCK_UN)
    }

    /// Writes what the files lack; returns whether the machine restarted since the records were written.
    @discardableResult
    func replay() throws(FileSystemError) -> Bool {
        let bytes = try readJournal()
        var report = JournalReplay()
        var latest = [String: (put: JournalRecord?, placed: Bool)]()
        var order = [String]()
        var damagedRanges = [Range<Int>]()
        var offset = 0
        while offset < bytes.count {
            switch JournalRecord.parse(bytes, at: offset) {
            case .record(let record, let end):
                report.records += 1
                if record.boot.isEmpty || record.boot != boot { report.afterRestart = true }
                if latest[record.path] == nil { order.append(record.path) }
                switch record.kind {
                case .put: latest[record.path] = (record, false)
                case .placed: latest[record.path]?.placed = true
                case .removed: latest[record.path] = (nil, true)
                }
                offset = end
            case .damaged(let end):
                if let next = Self.nextRecord(in: bytes, after: offset), next < end {
                    // A partial record followed by another writer's: its "length" ran into the next record.
                    report.tornBytes += next - offset
                    offset = next
                } else {
                    report.damaged += 1
                    damagedRanges.append(offset..<end)
                    offset = end
                }
            case .invalid:
                // Resynchronise on the next record: a killed writer's partial record can be followed by others.
                let next = Self.nextRecord(in: bytes, after: offset)
                report.tornBytes += (next ?? bytes.count) - offset
                offset = next ?? bytes.count
            }
        }
        if boot.isEmpty { report.afterRestart = true }
        for path in order {
            guard let entry = latest[path], let put = entry.put, !(entry.placed && !report.afterRestart) else { continue }
            guard Self.isReplayable(path) else { continue }
            if try restore(put.body, to: path) { report.applied.append(path) }
        }
        for range in damagedRanges {
            let name = "journal-\(FileInstanceStore.timestamp())-\(range.lowerBound).bin"
            if (try? files.replace("\(corruptDirectory)/\(name)", with: Array(bytes[range]))) != nil { report.setAside.append(name) }
        }
        setLastReplay(report)
        return report.afterRestart
    }

    /// Makes every file durable on its own, then empties the journal.
    func checkpoint(replaying: Bool = true) throws(FileSystemError) {
        if replaying { try replay() }
        try syncFileSystem()
        if ftruncate(journalDescriptor, 0) != 0 { throw FileSystemError("truncate journal", path, code: errno) }
        if let failure = syncJournal() { throw failure }
    }

    // MARK: - Helpers

    private func readJournal() throws(FileSystemError) -> [UInt8] {
        let size = journalSize()
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        while offset < size {
            let count = bytes.withUnsafeMutableBytes { pread(journalDescriptor, $0.baseAddress! + offset, size - offset, off_t(offset)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("read journal", path, code: errno)
            }
            if count == 0 { break }
            offset += count
        }
        return Array(bytes[0..<offset])
    }

    private static func nextRecord(in bytes: [UInt8], after offset: Int) -> Int? {
        var candidate = offset + 1
        while candidate + JournalRecord.headerSize <= bytes.count {
            if bytes[candidate] == JournalRecord.magic[0], case .record = JournalRecord.parse(bytes, at: candidate) { return candidate }
            candidate += 1
        }
        return nil
    }

    /// Only the paths the store journals: an instance file or a signal file, under validated names.
    static func isReplayable(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let file = parts.last, file.hasSuffix(".json"), !file.hasPrefix(".") else { return false }
        switch parts.count {
        case 2 where parts[0] == "instances":
            return InstanceID.problem(with: String(file.dropLast(5))) == nil
        case 3 where parts[0] == "inbox":
            let digest = file.dropLast(5)
            return InstanceID.problem(with: parts[1]) == nil && digest.count == 64 && digest.allSatisfy(\.isHexDigit)
        default:
            return false
        }
    }

    /// Puts `bytes` at `relativePath` unless the file already holds them (no fsync: the checkpoint makes it
    /// durable, the journal keeps it until then). Returns whether it wrote.
    private func restore(_ bytes: [UInt8], to relativePath: String) throws(FileSystemError) -> Bool {
        let target = "\(root)/\(relativePath)"
        if case .file(let existing, _)? = try? files.readRegularFile(target, limit: bytes.count + 1), existing == bytes { return false }
        willRestore?(relativePath)
        let directory = DurableFile.directory(of: target)
        if mkdir(directory, 0o700) == 0 { _ = chmod(directory, 0o700) }
        let temporary = try files.stage(target, bytes)
        try files.placeStaged(temporary, at: target)
        return true
    }

    /// `syncfs(2)` on the journal's file system: one call makes every file written there durable. Counted as one
    /// fsync. Where it is missing, `sync(2)`.
    private func syncFileSystem() throws(FileSystemError) {
        if let syncfs = Self.syncfs {
            while syncfs(journalDescriptor) != 0 {
                if errno == EINTR { continue }
                throw FileSystemError("syncfs", root, code: errno)
            }
        } else {
            sync()
        }
        files.counters.recordFsync()
    }

    private typealias SyncFileSystem = @convention(c) (Int32) -> Int32

    /// Looked up at run time: Swift's Glibc module does not export it (it needs `_GNU_SOURCE`).
    private static let syncfs: SyncFileSystem? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: SyncFileSystem.self)
    }()
}
