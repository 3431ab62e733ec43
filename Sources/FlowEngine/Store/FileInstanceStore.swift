import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The ``InstanceStore`` for one machine: one JSON file per instance under a state directory.
///
/// Every write is atomic and durable. Saves, creates and signal deliveries go through the ``SaveJournal``
/// (group commit): one durable write each, sharing one fsync with every save waiting at the same moment, and the
/// instance file is then renamed into place; definitions keep their own fsyncs (see ``DurableFile``). Files are 0600 and directories 0700, set explicitly whatever the umask. A file
/// that does not decode is moved to `corrupt/` untouched and reported; other instances are unaffected. See
/// ``StateLayout`` for the directory layout.
///
/// The store is a value holding only paths and shared counters, so copies can be used from any task or thread;
/// several processes can share one state directory (creation is exclusive across processes, and runners
/// coordinate through ``lock(_:)``).
///
/// ```swift
/// let store = try FileInstanceStore(stateDirectory: URL(filePath: "/var/lib/evflow"))
/// if let existing = try store.create(instance) { /* a repeated start, or a conflict */ }
/// ```
package struct FileInstanceStore: InstanceStore {
    /// The state directory, as given.
    package let stateDirectory: URL
    let layout: StateLayout
    let files: DurableFile
    /// The largest file of each kind this store writes or reads (see ``StateFileLimits``).
    let limits: StateFileLimits
    /// The instances last written or read, with their files' bytes, so a load of an unchanged file is not
    /// decoded again (see ``DecodedInstanceCache``); shared by copies of this value, never by another store.
    let decoded = DecodedInstanceCache<[UInt8]>()
    /// The outline index beside the files (``OutlineIndex``); `nil` for scratch stores, which list by reading
    /// their few files.
    /// Set once, when the store opens (a `var` only because its directory is made after the others).
    private(set) var index: OutlineIndex?
    /// Group commit for saves, creates and deliveries; `nil` for a scratch store (nothing is synced there).
    private(set) var journal: SaveJournal?

    /// Opens the store, creating the state directory (0700) and its subdirectories when missing and setting
    /// the subdirectories to 0700 when they exist with looser permissions.
    /// - Throws: ``StoreError/Code/io`` when a directory cannot be created or restricted.
    package init(stateDirectory: URL) throws(StoreError) {
        try self.init(stateDirectory: stateDirectory, faults: nil)
    }

    /// Opens a store for a throwaway folder, as flow tests use: every write is still atomic (a reader sees the
    /// old file or the new one), but nothing is fsynced, so a machine crash may lose the folder.
    ///
    /// Why: a flow-test scenario saves its instance after every signal and timer, and on a disk where an fsync
    /// costs 1 to 3 ms, the fsyncs were most of a 10-hour scenario's wall time while protecting nothing (the
    /// folder is deleted afterwards). Never use it for sessions that move real money.
    package static func scratch(stateDirectory: URL) throws(StoreError) -> FileInstanceStore {
        try FileInstanceStore(stateDirectory: stateDirectory, faults: nil, synchronizes: false)
    }

    /// - Parameters:
    ///   - faults: failures to inject into writes, for tests.
    ///   - synchronizes: `false` skips fsyncs (see ``scratch(stateDirectory:)``).
    ///   - limits: the largest files written and read; tests pass smaller ones.
    ///   - journal: the group-commit journal's settings; tests pass another boot id (a machine restart) or a
    ///     small checkpoint size.
    init(stateDirectory: URL, faults: DurableFile.Faults?, synchronizes: Bool = true, limits: StateFileLimits = .standard, journal options: SaveJournal.Options = .init()) throws(StoreError) {
        self.stateDirectory = stateDirectory
        self.limits = limits
        var root = stateDirectory.standardizedFileURL.path
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.layout = StateLayout(root: root)
        var files = DurableFile(counters: StoreCounters(), faults: faults)
        files.synchronizes = synchronizes
        self.files = files
        self.index = nil
        try prepareDirectories()
        if synchronizes {
            do throws(FileSystemError) {
                journal = try SaveJournal(root: layout.root, corruptDirectory: layout.corrupt, files: files, options: options)
            } catch {
                throw StoreError(error, instanceID: nil)
            }
        }
        if synchronizes { index = try Self.prepareIndex(layout, files) }
        if let journal, let index {
            let instances = "instances/"
            journal.willRestore = { path in
                guard path.hasPrefix(instances), path.hasSuffix(".json") else { return }
                index.append(.pending(since: Int64(Date().timeIntervalSince1970)), id: String(path.dropFirst(instances.count).dropLast(5)))
            }
        }
        removeStaleTemporaryFiles()
    }

    package var statistics: StoreStatistics { files.counters.snapshot }

    /// Through the journal, the instance is remembered, indexed and announced once its file is linked and its
    /// record appended, before the record is synced: the run that `arrival` wakes may then load it from memory and
    /// make it durable with its own save (see ``Arrival``), and its outline is indexed before that run's.
    package func create(_ instance: FlowInstance, arrival: Arrival) throws(StoreError) -> FlowInstance? {
        try Self.validate(instance.id)
        let bytes = try encode(instance, instanceID: instance.id, path: layout.instanceFile(instance.id), limit: limits.instance)
        indexPending(instance.id)
        let store = self
        let visible = arrival.announcing {
            store.decoded.remember(instance, version: bytes)
            store.indexRecord(instance)
        }
        do throws(FileSystemError) {
            if let journal {
                if try journaledCreate(journal, layout.instanceFile(instance.id), with: bytes, arrival: visible) { return nil }
            } else if try files.create(layout.instanceFile(instance.id), with: bytes) {
                visible.announce()
                return nil
            }
        } catch {
            throw StoreError(error, instanceID: instance.id)
        }
        return try load(instance.id)
    }

    package func load(_ id: String) throws(StoreError) -> FlowInstance {
        try Self.validate(id)
        let path = layout.instanceFile(id)
        // A retry happens only when a concurrent writer replaced the file while a corrupt version was being
        // moved aside; the new version is then read instead.
        for _ in 0..<3 {
            guard let file = try readIfPresent(path, instanceID: id, limit: limits.instance, asideName: { "\(id)-\(Self.timestamp())" }) else {
                throw StoreError(.notFound, instanceID: id, path: path, detail: "no such instance; `evflow list` shows the instances there are")
            }
            if let instance = decoded.instance(id, matching: file.bytes) { return instance }
            let problem: String
            do {
                let instance = try StateFileCoding.decoder().decode(FlowInstance.self, from: Data(file.bytes))
                if instance.id == id {
                    decoded.remember(instance, version: file.bytes)
                    return instance
                }
                try Self.refuseCaseOnlyDifference(instance.id, id, path: path)
                problem = "the file holds instance \"\(instance.id)\", not \"\(id)\""
            } catch let error as StoreError {
                throw error
            } catch {
                problem = "not a valid instance file: \(StateFileCoding.describe(error))"
            }
            if let moved = try quarantine(path, identity: file.identity, name: "\(id)-\(Self.timestamp())", instanceID: id) {
                throw StoreError(.corrupt, instanceID: id, path: path, quarantinedTo: moved, detail: problem)
            }
        }
        throw StoreError(.io, instanceID: id, path: path, detail: "the file kept being replaced while it was read; try again")
    }

    package func save(_ instance: FlowInstance) throws(StoreError) {
        try save(instance, beforePlacing: {})
    }

    /// ``save(_:)``, calling `beforePlacing` once the save is durable in the journal and before the file is renamed
    /// into place (the crash tests kill the process there: see ``JournaledSaving``).
    package func save(_ instance: FlowInstance, beforePlacing: () -> Void) throws(StoreError) {
        try Self.validate(instance.id)
        let path = layout.instanceFile(instance.id)
        let bytes = try encode(instance, instanceID: instance.id, path: path, limit: limits.instance)
        indexPending(instance.id)
        do throws(FileSystemError) {
            if let journal {
                try journaledReplace(journal, path, with: bytes, beforePlacing: beforePlacing)
            } else {
                try files.replace(path, with: bytes)
            }
        } catch {
            // The file may hold the old bytes or the new ones; either way a later load compares them.
            decoded.forget(instance.id)
            throw StoreError(error, instanceID: instance.id)
        }
        if instance.status.isFinished {
            decoded.forget(instance.id)
        } else {
            decoded.remember(instance, version: bytes)
        }
        indexRecord(instance)
    }

    package func instanceIDs() throws(StoreError) -> [String] {
        do throws(FileSystemError) {
            return StateLayout.jsonStems(try DirectoryEntries.names(in: layout.instances)).filter { InstanceID.problem(with: $0) == nil }
        } catch {
            throw StoreError(error, instanceID: nil)
        }
    }

    // MARK: - Shared by the extensions

    static func validate(_ id: String) throws(StoreError) {
        if let problem = InstanceID.problem(with: id) {
            throw StoreError(.invalidID, instanceID: id, detail: problem)
        }
    }

    /// On a case-insensitive file system (macOS, Windows) `Session-1.json` and `session-1.json` are one file,
    /// so asking for one finds the other: that is a different id sharing its file, not damage, and nothing may
    /// be moved or written for it.
    static func refuseCaseOnlyDifference(_ stored: String, _ requested: String, path: String) throws(StoreError) {
        guard stored != requested, stored.lowercased() == requested.lowercased() else { return }
        throw StoreError(.invalidID, instanceID: requested, path: path, detail: "the id differs only by case from the existing instance \"\(stored)\", and this file system does not tell such ids apart (both name one file); nothing was changed: use an id that differs in more than case")
    }

    /// Reads a state file whole; `nil` when nothing is there.
    ///
    /// Only a regular file of at most `limit` bytes is read (see ``DurableFile/readRegularFile(_:limit:)``).
    /// Anything else at the name (a symlink, a FIFO, a directory, a device, a file above the limit) is moved to
    /// `corrupt/<asideName>.json` as it is, without following or truncating it, and reported as
    /// ``StoreError/Code/corrupt``, so the next read finds the name free and other instances are unaffected.
    func readIfPresent(_ path: String, instanceID: String?, limit: Int, asideName: () -> String) throws(StoreError) -> (bytes: [UInt8], identity: DurableFile.Identity)? {
        // Another pass only when the entry was replaced while it was being set aside.
        for _ in 0..<3 {
            let contents: DurableFile.Contents
            do throws(FileSystemError) {
                contents = try files.readRegularFile(path, limit: limit)
            } catch {
                if error.isNotFound { return nil }
                throw StoreError(error, instanceID: instanceID)
            }
            switch contents {
            case .file(let bytes, let identity):
                return (bytes, identity)
            case .refused(let problem, let identity, let isDirectory):
                let detail = "\(problem); evflow reads only regular files of at most \(limit) bytes here and never follows links"
                if let moved = try quarantine(path, identity: identity, name: asideName(), instanceID: instanceID, problem: detail, isDirectory: isDirectory) {
                    throw StoreError(.corrupt, instanceID: instanceID, path: path, quarantinedTo: moved, detail: detail)
                }
            }
        }
        throw StoreError(.io, instanceID: instanceID, path: path, detail: "the entry kept being replaced while it was read; try again")
    }

    /// The JSON of `value`, refused above `limit` so nothing is written that a read would set aside.
    func encode(_ value: some Encodable, instanceID: String?, path: String, limit: Int) throws(StoreError) -> [UInt8] {
        let bytes: [UInt8]
        do {
            bytes = Array(try StateFileCoding.encoder().encode(value))
        } catch {
            throw StoreError(.io, instanceID: instanceID, path: path, detail: "could not encode the state as JSON, nothing was written: \(error)")
        }
        try Self.check(bytes.count, limit: limit, instanceID: instanceID, path: path)
        return bytes
    }

    static func check(_ size: Int, limit: Int, instanceID: String?, path: String) throws(StoreError) {
        guard size > limit else { return }
        throw StoreError(.io, instanceID: instanceID, path: path, detail: "the file would be \(size) bytes, above the limit of \(limit) bytes for this kind of state file (StateFileLimits); nothing was written")
    }

    /// Moves a file that did not decode, or an entry that is not a readable file, into `corrupt/`, never
    /// overwriting anything there.
    /// - Parameter problem: what is wrong with it, for the report when it cannot be moved.
    /// - Returns: where it went, or `nil` when the file was replaced meanwhile and should be read again.
    func quarantine(_ path: String, identity: DurableFile.Identity, name: String, instanceID: String?, problem: String = "the file does not decode", isDirectory: Bool = false) throws(StoreError) -> String? {
        do throws(FileSystemError) {
            let moved = try files.moveAside(path, identity: identity, into: layout.corrupt, name: name, extension: "json", isDirectory: isDirectory)
            if moved != nil { indexRemoved(path) }
            return moved
        } catch {
            var failure = StoreError(error, instanceID: instanceID)
            failure.code = .corrupt
            failure.path = path
            failure.detail = "\(problem), and it could not be moved aside (\(failure.detail)); it was left in place"
            throw failure
        }
    }

    /// A UTC timestamp usable in a file name: `20261127T134441.123Z`.
    static func timestamp(_ date: Date = Date()) -> String {
        let text = StateFileCoding.string(from: date)
        // 2026-11-27T13:44:41.123[456789]Z → 20261127T134441.123Z
        let compact = text.prefix(23).filter { $0 != "-" && $0 != ":" }
        return compact + "Z"
    }

    /// Temporary files older than this were left by a crash mid-write: no write takes this long.
    static let staleTemporaryFileAge: TimeInterval = 600

    /// Removes what crashed writes left behind, so operators do not wonder about them. Best effort: a file that
    /// cannot be removed now is tried again next time, and listings ignore it meanwhile.
    private func removeStaleTemporaryFiles() {
        // Real inbox directories only: through a symlink planted in `inbox/`, this would delete files elsewhere.
        let inboxes = ((try? DirectoryEntries.names(in: layout.inbox)) ?? []).map(layout.inboxDirectory).filter { directory in
            var status = stat()
            return lstat(directory, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
        }
        let cutoff = Date().addingTimeInterval(-Self.staleTemporaryFileAge)
        for directory in [layout.instances, layout.definitions, layout.root + "/index", layout.journal] + inboxes {
            for name in (try? DirectoryEntries.names(in: directory)) ?? [] where DurableFile.isTemporary(name) {
                let path = "\(directory)/\(name)"
                let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
                if let modified, modified < cutoff { unlink(path) }
            }
        }
    }
}
