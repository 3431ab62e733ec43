import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The file store's side of the outline index (``OutlineIndex``): the hooks around each write, and reading every
/// outline from the index, repairing it from the files first when it cannot be trusted.
extension FileInstanceStore {
    /// A save younger than this may still be between its `P` line and its file's rename; an older `P` was left by
    /// a process that died, and a compaction resolves it from the file (no write takes this long, as for
    /// temporary files).
    static let pendingSaveAge: Int64 = Int64(staleTemporaryFileAge)

    private static let indexLogger = Logger(label: "evflow.store.index")
    static let restartedMachine = "the machine restarted since the index was last compacted, so lines not yet on disk may be lost"

    // MARK: Hooks around writes

    /// Before an instance file is written: readers read that file, not the index, until ``indexRecord(_:)``.
    func indexPending(_ id: String) {
        index?.append(.pending(since: Int64(Date().timeIntervalSince1970)), id: id)
    }

    /// After an instance file was written durably: its outline, stamped with the new file's identity.
    func indexRecord(_ instance: FlowInstance) {
        guard let index, let stamp = FileStamp(path: layout.instanceFile(instance.id)) else { return }
        // Encoded and decoded as the file is, so the outline from the index equals the one read from the file.
        index.append(.record(OutlineRecord(InstanceOutline(instance), file: stamp)), id: instance.id)
    }

    /// After an instance file was set aside into `corrupt/`.
    func indexRemoved(_ path: String) {
        guard let index, path.hasPrefix(layout.instances + "/"), path.hasSuffix(".json") else { return }
        let id = String(path.dropFirst(layout.instances.count + 1).dropLast(5))
        // Never waits: a rebuild holding the lock may be what set the file aside.
        index.append(.removed, id: id, waiting: false)
    }

    // MARK: Reading

    /// Every instance's outline from the index, in no particular order: what `evflow list` and a worker's
    /// start-up read. Costs one read of the index plus one file per save in progress, instead of a decode of
    /// every file. A missing, damaged or other-version index, or one written before the machine restarted, is
    /// first repaired from the files (logged with the reason).
    /// - Returns: each id's outline, or the error reading its file gave (set aside as by ``loadOutline(_:)``).
    package func allOutlines() throws(StoreError) -> [(id: String, outline: Result<InstanceOutline, StoreError>)] {
        guard let index else { return loadOutlines(try instanceIDs()) }
        // The names first, then the log: a file listed here was created after its `P` line was appended, so a file
        // with no entry at all was written behind the index's back (or before the index existed).
        let names = try instanceIDs()
        let contents: OutlineIndex.Contents
        switch index.read() {
        case .read(let read):
            if let problem = distrust(read.header) { return try refreshIndex(because: problem) }
            contents = read
        case .unusable(let problem):
            return try refreshIndex(because: problem)
        }
        var results: [(id: String, outline: Result<InstanceOutline, StoreError>)] = []
        results.reserveCapacity(names.count)
        var pending: [String] = []
        var unindexed = 0
        var matched = 0
        for id in names {
            switch contents.entries[id] {
            case .record(let record)?:
                results.append((id, .success(record.outline)))
                matched += 1
            case .pending?: pending.append(id)
            case .removed?, nil: unindexed += 1
            }
        }
        var vanished = 0
        let records = contents.entries.values.count(where: { if case .record = $0 { true } else { false } })
        if matched < records {
            let listed = Set(names)
            for (id, entry) in contents.entries where !listed.contains(id) {
                guard case .record(let record) = entry else { continue }
                // Created between the listing and the read of the log, or gone behind the index's back.
                if FileStamp(path: layout.instanceFile(id)) != nil { results.append((id, .success(record.outline))) } else { vanished += 1 }
            }
        }
        if unindexed > 0 || vanished > 0 {
            return try refreshIndex(because: "\(unindexed) instance file(s) had no index entry and \(vanished) entr\(vanished == 1 ? "y" : "ies") had no file (changed behind the index's back)")
        }
        results += loadOutlines(pending).filter { !Self.isNotFound($0.outline) }
        if contents.lines > 2 * contents.entries.count + 1_024 {
            // Compacting is housekeeping; the outlines above are already right.
            _ = try? refreshIndex(because: nil)
        }
        return results
    }

    /// Why an index with this header cannot be read as it is, or `nil`.
    func distrust(_ header: OutlineIndex.Header) -> String? {
        guard let index else { return nil }
        if header.instancesDirectory != OutlineIndex.directoryIdentity(layout.instances) {
            return "the index describes another instances folder (restored or replaced)"
        }
        if header.bootID != index.bootID {
            return Self.restartedMachine
        }
        return nil
    }

    /// Rewrites the index as one line per instance, under its exclusive lock: a compaction when `problem` is
    /// `nil`, else a repair (every entry checked against its file's stamp, or a rebuild from the files when the
    /// log is unusable), logged with the problem.
    /// - Parameter fromFiles: rebuild from the files whatever the log holds (`evflow fsck --repair`).
    /// - Returns: every outline, as ``allOutlines()``.
    @discardableResult
    func refreshIndex(because problem: String?, fromFiles: Bool = false) throws(StoreError) -> [(id: String, outline: Result<InstanceOutline, StoreError>)] {
        guard let index else { return loadOutlines(try instanceIDs()) }
        let started = Date()
        let outcome = try index.exclusively { () throws(StoreError) -> (results: [(id: String, outline: Result<InstanceOutline, StoreError>)], how: String) in
            // Read again under the lock: another process may have repaired or appended meanwhile.
            let reading = index.read()
            var known: [String: OutlineIndex.Entry] = [:]
            var how = "rebuilt from every instance file"
            if case .read(let contents) = reading, !fromFiles {
                known = contents.entries
                how = distrust(contents.header) == nil ? "compacted" : "checked against every instance file"
                if contents.header.instancesDirectory != OutlineIndex.directoryIdentity(layout.instances) {
                    known = [:]
                    how = "rebuilt from every instance file"
                }
            }
            let trusted: Bool = {
                if case .read(let contents) = reading, !fromFiles { return distrust(contents.header) == nil }
                return false
            }()
            let now = Int64(Date().timeIntervalSince1970)
            var records: [OutlineRecord] = []
            var keepPending: [String: Int64] = [:]
            var reread: [String] = []
            for id in try instanceIDs() {
                switch known[id] {
                case .record(let record)?:
                    // Untrusted, only a stat per file: entries whose file still has the stamp they were taken from stand.
                    if trusted || FileStamp(path: layout.instanceFile(id)) == record.file { records.append(record) } else { reread.append(id) }
                case .pending(let since)?:
                    // A save still under way appends its `R` after this compaction; one whose process died is read now.
                    if trusted, now - since < Self.pendingSaveAge { keepPending[id] = since }
                    reread.append(id)
                case .removed?, nil:
                    reread.append(id)
                }
            }
            var results: [(id: String, outline: Result<InstanceOutline, StoreError>)] = records.map { ($0.id, .success($0.outline)) }
            for (id, result) in loadOutlines(reread) {
                if Self.isNotFound(result) { continue }
                results.append((id, result))
                if case .success(let outline) = result, let stamp = FileStamp(path: layout.instanceFile(id)) {
                    records.append(OutlineRecord(outline, file: stamp))
                }
            }
            let bytes = index.snapshot(records, pending: keepPending, instancesDirectory: OutlineIndex.directoryIdentity(layout.instances))
            do throws(FileSystemError) {
                try files.replace(index.logPath, with: bytes)
            } catch {
                Self.indexLogger.warning("the outline index could not be written; listings read the files until it can", metadata: ["error": "\(error)"])
            }
            return (results, how)
        }
        guard let outcome else {
            Self.indexLogger.warning("the outline index is not writable; reading every instance file", metadata: ["directory": "\(index.directory)"])
            return loadOutlines(try instanceIDs())
        }
        if let problem {
            // A folder from before the index, or a restart of the machine, is routine; damage is worth a warning.
            let routine = problem == OutlineIndex.noIndexYet || problem == Self.restartedMachine
            Self.indexLogger.log(level: routine ? .notice : .warning, "outline index \(outcome.how)", metadata: [
                "why": "\(problem)", "instances": "\(outcome.results.count)",
                "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(started)))",
            ])
        }
        return outcome.results
    }

    static func isNotFound(_ result: Result<InstanceOutline, StoreError>) -> Bool {
        if case .failure(let error) = result, error.code == .notFound { return true }
        return false
    }
}

extension FileInstanceStore {
    /// Creates `<state>/index` (0700) when missing. An entry there that is not the runner's own directory (a
    /// link, a file) turns the index off rather than writing through it; listings then read every file.
    static func prepareIndex(_ layout: StateLayout, _ files: DurableFile) throws(StoreError) -> OutlineIndex? {
        let directory = layout.root + "/index"
        if mkdir(directory, 0o700) == 0 {
            _ = chmod(directory, 0o700)
            try? files.syncDirectory(containing: directory)
        }
        var status = stat()
        guard lstat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR, status.st_uid == geteuid() else {
            indexLogger.warning("the outline index is off: \(directory) is not a directory of the runner's; move it away to have listings use the index")
            return nil
        }
        if status.st_mode & 0o777 != 0o700 { _ = chmod(directory, 0o700) }
        let index = OutlineIndex(directory: directory)
        // A new state folder starts with an empty index, so its first saves are indexed from the start (an existing
        // folder without one is indexed by its first reader).
        func isNew() -> Bool {
            !FileManager.default.fileExists(atPath: index.logPath) && ((try? DirectoryEntries.names(in: layout.instances)) ?? ["?"]).isEmpty
        }
        if isNew() {
            _ = try? index.exclusively { () throws(StoreError) in
                guard isNew() else { return }
                // Not counted as one of the store's durable writes: it is made once per folder, before any instance.
                var uncounted = DurableFile(counters: StoreCounters(), faults: nil)
                uncounted.synchronizes = files.synchronizes
                try? uncounted.replace(index.logPath, with: index.snapshot([], pending: [:], instancesDirectory: OutlineIndex.directoryIdentity(layout.instances)))
            }
        }
        return index
    }
}
