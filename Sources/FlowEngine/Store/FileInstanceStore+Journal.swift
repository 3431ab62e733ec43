#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A store whose saves become durable before their file is in place, so a crash can fall between the two: the crash
/// tests kill the process there (`EVFLOW_CRASH_AT=journaled:N`) to prove that opening the store replays the save.
package protocol JournaledSaving: Sendable {
    func save(_ instance: FlowInstance, beforePlacing: () -> Void) throws(StoreError)
}

extension FileInstanceStore: JournaledSaving {}

/// Saves, creates and deliveries through the ``SaveJournal`` (group commit): each is one durable write whose
/// fsync is shared with every save waiting at the same moment, instead of two fsyncs of its own.
extension FileInstanceStore {
    /// The path the journal records for a file under the state directory.
    func journalPath(_ path: String) -> String { String(path.dropFirst(layout.root.count + 1)) }

    /// Replaces `path` once the journal holds `bytes` durably: staged first (so a failing disk fails before
    /// anything is journaled), then committed, then renamed into place.
    func journaledReplace(_ journal: SaveJournal, _ path: String, with bytes: [UInt8], beforePlacing: () -> Void = {}) throws(FileSystemError) {
        let temporary = try files.stage(path, bytes)
        do throws(FileSystemError) {
            try files.injectFault(before: path)
            try journal.commit(journalPath(path), bytes: bytes) { () throws(FileSystemError) in
                beforePlacing()
                try files.placeStaged(temporary, at: path)
            }
        } catch {
            unlink(temporary)
            throw error
        }
        files.counters.recordDurableWrite()
    }

    /// Creates `path` exclusively (`link(2)`, across processes), then commits it to the journal before
    /// returning. Returns `false`, writing nothing, when `path` exists.
    ///
    /// The name is taken before the record is journaled, so a journaled create never loses the race; when the
    /// commit fails the name is given back, so nobody later finds a file that was never acknowledged. `arrival` is
    /// told once the record is appended (see ``SaveJournal/commit(_:bytes:arrival:place:)``).
    func journaledCreate(_ journal: SaveJournal, _ path: String, with bytes: [UInt8], arrival: Arrival = .unannounced) throws(FileSystemError) -> Bool {
        if access(path, F_OK) == 0 { return try taken(journal) }
        let temporary = try files.stage(path, bytes)
        do throws(FileSystemError) {
            try files.injectFault(before: path)
        } catch {
            unlink(temporary)
            throw error
        }
        guard try files.linkStaged(temporary, at: path) else { return try taken(journal) }
        do throws(FileSystemError) {
            try journal.commit(journalPath(path), bytes: bytes, arrival: arrival) {}
        } catch {
            // Once the record may be in the journal, a replay can bring the instance back: leave the file, so what
            // this process sees is what a restart would see, and report the outcome as unknown.
            if !error.mayHaveTakenEffect { unlink(path) }
            throw error
        }
        files.counters.recordDurableWrite()
        return true
    }

    /// `false`, once the write that took the name is durable: it may still be in its patient wait (``Arrival``),
    /// in this process or another (`serve` while a CLI command repeats its input), and "already there" must not be
    /// answered for something a machine crash could still lose. So a duplicate costs one `fdatasync` of the shared
    /// journal, which covers every process's records. (A writer between its `link` and its append, a few
    /// instructions, is not covered.) A failed sync is reported as possibly stored: the original may be replayed.
    private func taken(_ journal: SaveJournal) throws(FileSystemError) -> Bool {
        do throws(FileSystemError) {
            try journal.syncAppended(evenIfNothingIsPending: true)
        } catch {
            var failure = error
            failure.mayHaveTakenEffect = true
            throw failure
        }
        return false
    }

    /// Syncs every record appended to the journal (``SaveJournal/syncAppended()``); nothing for a scratch store.
    package func awaitDurability() throws(StoreError) {
        do throws(FileSystemError) {
            try journal?.syncAppended()
        } catch {
            throw StoreError(error, instanceID: nil)
        }
    }

    /// What the journal's last replay found (`nil` for a scratch store, which has no journal).
    package var journalReplay: JournalReplay? { journal?.lastReplay }
}
