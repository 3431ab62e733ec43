import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Group commit for ``FileInstanceStore``: saves of concurrent instances share one fsync.
///
/// Why: each save used to cost two fsyncs of its own (the file, then its directory), so the store's throughput
/// was bounded by the disk's fsync rate whatever the number of sessions in flight. Now a save appends its file's
/// bytes as one checksummed ``JournalRecord`` to `journal/saves.journal` and waits until a sync covers it; the
/// first waiter that finds no sync in progress becomes the leader, calls `fdatasync` once for everything appended
/// so far and wakes the others. Only then is the instance file put in place (written to a temporary file and
/// renamed, without an fsync), so what an operator reads stays the plain JSON file, and the save returns.
///
/// Durability: a save returns only once its record is synced. A killed process loses nothing the kernel has, and
/// a file renamed into place is never older than a synced record only when the machine itself restarted; opening
/// the store replays what the files miss (see `SaveJournal+Replay.swift`). A checkpoint makes the files durable
/// on their own (`syncfs`) and empties the journal when it grows past ``checkpointSize``, and when a store is
/// opened after the machine restarted.
///
/// Several processes may share a state directory (`evflow serve` and CLI commands): appends use `O_APPEND`
/// (one `write(2)` per record, so records never interleave), each process holds a shared `flock` on the journal
/// while it has saves between their append and their rename, and replay and checkpoints take it exclusively, so
/// nobody truncates the journal under a save in flight.
final class SaveJournal: @unchecked Sendable {
    /// Where the journal lives, and the state directory its record paths are relative to.
    let path: String
    let root: String
    let corruptDirectory: String
    let files: DurableFile
    /// Told the journal path of each file a replay is about to rewrite, so the outline index re-reads it instead of
    /// trusting an outline of the older file. Set once, by the store that owns this journal, before it is shared.
    var willRestore: (@Sendable (String) -> Void)?
    /// This boot's id, written into every record (empty where the system has none: replay then assumes a restart).
    let boot: [UInt8]
    /// The journal size past which a checkpoint empties it.
    let checkpointSize: Int
    private let descriptor: Int32

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var appended: UInt64 = 0
    private var synced: UInt64 = 0
    private var isSyncing = false
    private var inFlight = 0
    private var wantsCheckpoint = false
    private var isCheckpointing = false
    private var nextCheckpointAt: Int
    /// After a failed fsync nothing is known about what reached the disk (retrying fsync can report success for
    /// data that was dropped), so every later commit fails until the process restarts and replays.
    private var failure: FileSystemError?
    private var replayReport = JournalReplay()

    /// Settings tests change.
    struct Options: Sendable {
        /// The journal size past which a checkpoint empties it: 16 MiB, about 1,800 saves of a 9 KB instance.
        var checkpointSize = 16 << 20
        /// The boot id to write and compare; `nil` reads the system's. Another value makes replay act as after
        /// a machine restart.
        var boot: [UInt8]? = nil
    }

    init(root: String, corruptDirectory: String, files: DurableFile, options: Options = Options()) throws(FileSystemError) {
        self.root = root
        self.corruptDirectory = corruptDirectory
        self.files = files
        self.checkpointSize = options.checkpointSize
        self.nextCheckpointAt = options.checkpointSize
        self.boot = options.boot ?? Self.currentBoot()
        let directory = root + "/journal"
        if mkdir(directory, 0o700) == 0 {
            _ = chmod(directory, 0o700)
            try files.syncDirectory(containing: directory)
        } else if errno != EEXIST {
            throw FileSystemError("create directory", directory, code: errno)
        }
        self.path = directory + "/saves.journal"
        let descriptor = open(path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw FileSystemError("open journal", path, code: errno) }
        self.descriptor = descriptor
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            // deinit closes the descriptor.
            throw FileSystemError("open journal (not a regular file)", path, code: EINVAL)
        }
        _ = fchmod(descriptor, 0o600)
        // A new (or emptied) journal: its directory entry must be on the disk before a sync of its data counts.
        if status.st_size == 0 { try files.syncDirectory(containing: path) }
        if status.st_size > 0 { try replayAtOpen() }
    }

    deinit { close(descriptor) }

    /// Makes `bytes` the durable content of `relativePath`: appends a `put` record, waits for a sync covering
    /// it (sharing that sync with every record appended meanwhile), then calls `place` to put the file itself in
    /// place, and notes that it is placed. Returns once the record is durable and `place` has run.
    ///
    /// With an `arrival` (a start or a signal that a run in this process will absorb, see ``Arrival``), the record
    /// is announced as soon as it is appended, and the commit then waits up to its patience for another save's
    /// sync (typically that run's) to cover it before leading a sync itself. A sync covers everything appended
    /// before it, whoever appended it, so the record is as durable as if it had been synced alone.
    ///
    /// - Throws: when the append or the sync fails (nothing was acknowledged), or what `place` throws: then the
    ///   record is durable but the file may lag; replay or the next checkpoint writes it, as a crash at that
    ///   point would.
    func commit(_ relativePath: String, bytes: [UInt8], arrival: Arrival = .unannounced, place: () throws(FileSystemError) -> Void) throws(FileSystemError) {
        let record = JournalRecord(kind: .put, boot: boot, path: relativePath, body: bytes).encoded()
        condition.lock()
        while isCheckpointing || wantsCheckpoint { condition.wait() }
        do throws(FileSystemError) {
            if let failure { throw failure }
            try beginSave()
            do throws(FileSystemError) {
                try append(record)
            } catch {
                endSave()
                throw error
            }
            appended += 1
            let ticket = appended
            condition.unlock()
            arrival.announce()
            condition.lock()
            if arrival.patience > .zero { awaitAnotherSync(covering: ticket, for: arrival.patience) }
            awaitSync(covering: ticket)
            if var failure {
                endSave()
                // Our record is in the journal; whether it is on the disk is unknown, and a replay would apply it.
                failure.mayHaveTakenEffect = true
                throw failure
            }
        } catch {
            condition.unlock()
            throw error
        }
        condition.unlock()

        var placeError: FileSystemError?
        do throws(FileSystemError) { try place() } catch { placeError = error }

        condition.lock()
        if placeError == nil { try? append(JournalRecord(kind: .placed, boot: boot, path: relativePath).encoded()) }
        endSave()
        condition.unlock()
        if let placeError { throw placeError }
    }

    /// Waits, under `condition`, until a sync covers `ticket` or `patience` has passed; also stops when a checkpoint
    /// is wanted, since it waits for this save to end and holds back the saves whose sync this one waits for. The
    /// deadline is on the monotonic clock (a wall clock stepped back must not stretch the wait), waited for in
    /// slices because `NSCondition` waits for a wall-clock date.
    private func awaitAnotherSync(covering ticket: UInt64, for patience: Duration) {
        let deadline = ContinuousClock.now + patience
        while synced < ticket && failure == nil && !wantsCheckpoint {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return }
            let seconds = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) / 1e18
            _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
        }
    }

    /// Returns once everything appended so far is synced, leading a sync when none covers it yet; free when
    /// nothing is waiting for one. For answers that rely on a record another write appended and may not have
    /// synced yet (its patient wait, ``Arrival``): "already delivered", "already started", and a call the
    /// interpreter makes without a save of its own before it, acting on an input it absorbed.
    /// - Parameter force: sync even when this process has nothing pending, for records another process appended
    ///   (each process counts only its own).
    func syncAppended(evenIfNothingIsPending force: Bool = false) throws(FileSystemError) {
        condition.lock()
        defer { condition.unlock() }
        if force && failure == nil {
            // A sync that starts after this point covers everything in the file, whoever appended it.
            while isSyncing { condition.wait() }
            leadSync()
        }
        awaitSync(covering: appended)
        if let failure { throw failure }
    }

    /// Under `condition`: waits until a sync covers `ticket` (or one failed), leading one when none is in
    /// progress: one `fdatasync` for everything appended so far, then the others are woken.
    private func awaitSync(covering ticket: UInt64) {
        while synced < ticket && failure == nil {
            if isSyncing { condition.wait(); continue }
            leadSync()
        }
    }

    /// Under `condition`, with no sync in progress: one `fdatasync` covering everything appended so far (the lock
    /// is let go meanwhile), then every waiter is woken.
    private func leadSync() {
        isSyncing = true
        let target = appended
        condition.unlock()
        let result = syncJournal()
        condition.lock()
        isSyncing = false
        if let result { failure = result } else { synced = max(synced, target) }
        condition.broadcast()
    }

    /// Notes that `relativePath` was removed, so replay does not bring it back. Not synced: a lost note brings
    /// back an absorbed signal, which the instance has saved as seen (the next run removes it again).
    func noteRemoved(_ relativePath: String) {
        condition.lock()
        defer { condition.unlock() }
        while isCheckpointing { condition.wait() }
        try? append(JournalRecord(kind: .removed, boot: boot, path: relativePath).encoded())
    }

    // MARK: - Under `condition`

    /// The first save in flight in this process takes the shared lock that keeps other processes' checkpoints
    /// from truncating the journal under it.
    private func beginSave() throws(FileSystemError) {
        if inFlight == 0 {
            while flock(descriptor, LOCK_SH) != 0 {
                if errno == EINTR { continue }
                throw FileSystemError("flock journal", path, code: errno)
            }
        }
        inFlight += 1
    }

    /// The last save in flight releases the shared lock, and runs a checkpoint when one is due.
    private func endSave() {
        inFlight -= 1
        if !wantsCheckpoint, failure == nil, journalSize() >= nextCheckpointAt { wantsCheckpoint = true }
        if inFlight == 0 {
            _ = flock(descriptor, LOCK_UN)
            if wantsCheckpoint { checkpointNow() }
        }
        condition.broadcast()
    }

    /// Runs with no save in flight in this process and new ones held back. Another process's save in flight
    /// makes it wait for the next time the journal has grown by ``checkpointSize``.
    private func checkpointNow() {
        isCheckpointing = true
        wantsCheckpoint = false
        condition.unlock()
        var done = false
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
            done = (try? checkpoint()) != nil
            _ = flock(descriptor, LOCK_UN)
        }
        condition.lock()
        nextCheckpointAt = done ? checkpointSize : journalSize() + checkpointSize
        isCheckpointing = false
        condition.broadcast()
    }

    private func append(_ record: [UInt8]) throws(FileSystemError) {
        var offset = 0
        while offset < record.count {
            let written = record.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("append to journal", path, code: errno)
            }
            offset += written
        }
    }

    // MARK: - Shared with replay

    func journalSize() -> Int {
        var status = stat()
        return fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0
    }

    /// `fdatasync` of the journal, counted as one fsync; `nil` on success.
    func syncJournal() -> FileSystemError? {
        if let code = files.faults?.journalSync?() { return FileSystemError("fdatasync journal", path, code: code) }
        while fdatasync(descriptor) != 0 {
            if errno == EINTR { continue }
            return FileSystemError("fdatasync journal", path, code: errno)
        }
        files.counters.recordFsync()
        return nil
    }

    var journalDescriptor: Int32 { descriptor }

    /// What the last replay found (torn tails, damaged records set aside), for tests and operators.
    var lastReplay: JournalReplay {
        condition.lock()
        defer { condition.unlock() }
        return replayReport
    }

    func setLastReplay(_ report: JournalReplay) {
        condition.lock()
        replayReport = report
        condition.unlock()
    }

    /// The boot id on Linux; empty elsewhere.
    private static func currentBoot() -> [UInt8] {
        guard let contents = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) else { return [] }
        return Array(contents.trimmingCharacters(in: .whitespacesAndNewlines).utf8.prefix(64))
    }
}
