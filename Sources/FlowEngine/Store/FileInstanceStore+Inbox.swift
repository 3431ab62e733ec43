import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Signals wait in `inbox/<id>/`, one file each, named by the SHA-256 of the signal id. Creating that file
/// exclusively is the deduplication: a second delivery of the same id finds the name taken, across processes.
///
/// An inbox directory exists only while it holds signals (``removeFromInbox(_:of:)`` removes it when it empties),
/// so ``instancesWithPendingSignals()`` reads one directory entry per waiting instance, not one per instance.
extension FileInstanceStore {
    /// Stores `signal` in the instance's inbox: 1 durable write through the journal (one shared fsync, perhaps the
    /// one of the run `arrival` wakes, see ``Arrival``; a new inbox directory needs none, replay recreates it); a
    /// duplicate writes nothing and costs one sync of the journal, so the first delivery it answers for is durable.
    /// - Throws: ``StoreError/Code/notFound`` when there is no such instance.
    package func deliver(_ signal: ReceivedSignal, to id: String, arrival: Arrival) throws(StoreError) -> Bool {
        try Self.validate(id)
        guard access(layout.instanceFile(id), F_OK) == 0 else {
            throw StoreError(.notFound, instanceID: id, path: layout.instanceFile(id), detail: "no such instance to deliver signal \"\(signal.name)\" (\(signal.id)) to")
        }
        let path = layout.signalFile(signal.id, of: id)
        let bytes = try encode(signal, instanceID: id, path: path, limit: limits.signal)
        var attempt = 0
        while true {
            attempt += 1
            // Something planted at the inbox's name is set aside (it shows in `evflow list`), and the signal is
            // delivered into a real inbox: the sender did nothing wrong.
            do throws(StoreError) {
                try checkInboxDirectory(id)
            } catch where error.code == .corrupt && attempt < 10 {
                continue
            }
            try makeDirectory(layout.inboxDirectory(id), instanceID: id, synchronize: journal == nil)
            do throws(FileSystemError) {
                if let journal { return try journaledCreate(journal, path, with: bytes, arrival: arrival) }
                guard try files.create(path, with: bytes) else { return false }
                arrival.announce()
                return true
            } catch where error.isNotFound && attempt < 10 {
                // The runner emptied the inbox and removed its directory between our mkdir and our write.
                continue
            } catch {
                throw StoreError(error, instanceID: id)
            }
        }
    }

    /// The inbox, ordered by `receivedAt`, then by signal id so that equal times have a stable order.
    /// - Throws: ``StoreError/Code/corrupt`` when a signal file does not decode; it is moved to `corrupt/` and
    ///   the next call returns the rest.
    package func inbox(of id: String) throws(StoreError) -> [ReceivedSignal] {
        try Self.validate(id)
        let directory = layout.inboxDirectory(id)
        try checkInboxDirectory(id)
        let names: [String]
        do throws(FileSystemError) {
            names = try DirectoryEntries.names(in: directory)
        } catch {
            throw StoreError(error, instanceID: id)
        }
        var signals = [ReceivedSignal]()
        for stem in StateLayout.jsonStems(names) {
            let path = "\(directory)/\(stem).json"
            // Gone since the listing: the runner removed it.
            guard let file = try readIfPresent(path, instanceID: id, limit: limits.signal, asideName: { "\(id)-inbox-\(Self.timestamp())" }) else { continue }
            do {
                signals.append(try StateFileCoding.decoder().decode(ReceivedSignal.self, from: Data(file.bytes)))
            } catch {
                let problem = StateFileCoding.describe(error)
                let moved = try quarantine(path, identity: file.identity, name: "\(id)-inbox-\(Self.timestamp())", instanceID: id)
                throw StoreError(.corrupt, instanceID: id, path: path, quarantinedTo: moved, detail: "a signal in the inbox is not valid: \(problem)")
            }
        }
        return signals.sorted { ($0.receivedAt, $0.id) < ($1.receivedAt, $1.id) }
    }

    /// Removes the signals (unknown ids are ignored), and the inbox directory once empty. Call it only after the
    /// instance was saved with their ids in `seenSignalIDs`.
    package func removeFromInbox(_ signalIDs: [String], of id: String) throws(StoreError) {
        try Self.validate(id)
        let directory = layout.inboxDirectory(id)
        for signalID in signalIDs {
            let path = layout.signalFile(signalID, of: id)
            if unlink(path) != 0 && errno != ENOENT {
                throw StoreError(FileSystemError("remove signal \(signalID)", path, code: errno), instanceID: id)
            }
            journal?.noteRemoved(journalPath(path))
        }
        // No fsync: a removal lost in a crash brings back a signal the instance has already saved as seen, and
        // the next run just removes it again.
        // Fails harmlessly (ENOTEMPTY) when signals remain or a delivery is in progress.
        rmdir(directory)
    }

    package func instancesWithPendingSignals() throws(StoreError) -> [String] {
        do throws(FileSystemError) {
            return try DirectoryEntries.names(in: layout.inbox).filter { name in
                // An empty directory can be left by a crash between the last removal and rmdir.
                InstanceID.problem(with: name) == nil && DirectoryEntries.containsJSON(layout.inboxDirectory(name))
            }
        } catch {
            throw StoreError(error, instanceID: nil)
        }
    }

    /// An inbox must be a real directory: through a symlink planted at `inbox/<id>`, deliveries would write,
    /// and absorbing would read and move, files wherever it points. Anything else there is moved to `corrupt/`
    /// as it is and reported as ``StoreError/Code/corrupt``; a missing inbox is fine.
    func checkInboxDirectory(_ id: String) throws(StoreError) {
        let directory = layout.inboxDirectory(id)
        var status = stat()
        guard lstat(directory, &status) == 0 else { return }
        let type = status.st_mode & S_IFMT
        guard type != S_IFDIR else { return }
        let problem = "the inbox is \(DurableFile.describe(type)), not a directory; evflow never follows it or writes through it"
        if let moved = try quarantine(directory, identity: DurableFile.Identity(status), name: "\(id)-inbox-\(Self.timestamp())", instanceID: id, problem: problem) {
            throw StoreError(.corrupt, instanceID: id, path: directory, quarantinedTo: moved, detail: problem)
        }
    }
}
