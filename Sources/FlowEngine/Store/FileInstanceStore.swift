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
/// Every write is atomic and durable (see ``DurableFile``): a save costs one durable write and two fsyncs (the
/// file, then its directory). Files are 0600 and directories 0700, set explicitly whatever the umask. A file
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
    init(stateDirectory: URL, faults: DurableFile.Faults?, synchronizes: Bool = true) throws(StoreError) {
        self.stateDirectory = stateDirectory
        var root = stateDirectory.standardizedFileURL.path
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.layout = StateLayout(root: root)
        var files = DurableFile(counters: StoreCounters(), faults: faults)
        files.synchronizes = synchronizes
        self.files = files
        try prepareDirectories()
        removeStaleTemporaryFiles()
    }

    package var statistics: StoreStatistics { files.counters.snapshot }

    package func create(_ instance: FlowInstance) throws(StoreError) -> FlowInstance? {
        try Self.validate(instance.id)
        let bytes = try encode(instance, instanceID: instance.id, path: layout.instanceFile(instance.id))
        do throws(FileSystemError) {
            if try files.create(layout.instanceFile(instance.id), with: bytes) { return nil }
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
            guard let file = try readIfPresent(path, instanceID: id) else {
                throw StoreError(.notFound, instanceID: id, path: path, detail: "no such instance; `evflow list` shows the instances there are")
            }
            let problem: String
            do {
                let instance = try StateFileCoding.decoder().decode(FlowInstance.self, from: Data(file.bytes))
                if instance.id == id { return instance }
                problem = "the file holds instance \"\(instance.id)\", not \"\(id)\""
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
        try Self.validate(instance.id)
        let path = layout.instanceFile(instance.id)
        let bytes = try encode(instance, instanceID: instance.id, path: path)
        do throws(FileSystemError) {
            try files.replace(path, with: bytes)
        } catch {
            throw StoreError(error, instanceID: instance.id)
        }
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

    /// Reads a state file whole; `nil` when it does not exist.
    func readIfPresent(_ path: String, instanceID: String?) throws(StoreError) -> (bytes: [UInt8], identity: DurableFile.Identity)? {
        do throws(FileSystemError) {
            return try files.read(path)
        } catch {
            if error.isNotFound { return nil }
            throw StoreError(error, instanceID: instanceID)
        }
    }

    func encode(_ value: some Encodable, instanceID: String?, path: String) throws(StoreError) -> [UInt8] {
        do {
            return Array(try StateFileCoding.encoder().encode(value))
        } catch {
            throw StoreError(.io, instanceID: instanceID, path: path, detail: "could not encode the state as JSON, nothing was written: \(error)")
        }
    }

    /// Moves a file that did not decode into `corrupt/`, never overwriting anything there.
    /// - Returns: where it went, or `nil` when the file was replaced meanwhile and should be read again.
    func quarantine(_ path: String, identity: DurableFile.Identity, name: String, instanceID: String?) throws(StoreError) -> String? {
        do throws(FileSystemError) {
            return try files.moveAside(path, identity: identity, into: layout.corrupt, name: name, extension: "json")
        } catch {
            var failure = StoreError(error, instanceID: instanceID)
            failure.code = .corrupt
            failure.path = path
            failure.detail = "the file does not decode and could not be moved aside (\(failure.detail)); it was left in place"
            throw failure
        }
    }

    /// Creates `directory` (0700) if it is missing and makes its new name durable.
    /// - Returns: whether it was created.
    @discardableResult
    func makeDirectory(_ directory: String, instanceID: String?) throws(StoreError) -> Bool {
        if mkdir(directory, 0o700) != 0 {
            let code = errno
            if code == EEXIST { return false }
            throw StoreError(FileSystemError("create directory", directory, code: code), instanceID: instanceID)
        }
        do throws(FileSystemError) {
            // mkdir's mode is narrowed by the umask; 0700 is what we want, no more, no less.
            if chmod(directory, 0o700) != 0 { throw FileSystemError("chmod 0700", directory, code: errno) }
            try files.syncDirectory(containing: directory)
        } catch {
            throw StoreError(error, instanceID: instanceID)
        }
        return true
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
        let inboxes = ((try? DirectoryEntries.names(in: layout.inbox)) ?? []).map(layout.inboxDirectory)
        let cutoff = Date().addingTimeInterval(-Self.staleTemporaryFileAge)
        for directory in [layout.instances, layout.definitions] + inboxes {
            for name in (try? DirectoryEntries.names(in: directory)) ?? [] where DurableFile.isTemporary(name) {
                let path = "\(directory)/\(name)"
                let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
                if let modified, modified < cutoff { unlink(path) }
            }
        }
    }

    private func prepareDirectories() throws(StoreError) {
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
        } else if status.st_mode & S_IFMT != S_IFDIR {
            throw StoreError(.io, instanceID: nil, path: root, detail: "the state directory path exists and is not a directory")
        }
        for directory in layout.directories {
            if try makeDirectory(directory, instanceID: nil) { continue }
            // Existing subdirectories are ours: tighten them if someone loosened them.
            guard stat(directory, &status) == 0 else {
                throw StoreError(FileSystemError("stat", directory, code: errno), instanceID: nil)
            }
            guard status.st_mode & S_IFMT == S_IFDIR else {
                throw StoreError(.io, instanceID: nil, path: directory, detail: "expected a directory here; move the file away")
            }
            if status.st_mode & 0o777 != 0o700, chmod(directory, 0o700) != 0 {
                throw StoreError(FileSystemError("chmod 0700", directory, code: errno), instanceID: nil)
            }
        }
    }
}
