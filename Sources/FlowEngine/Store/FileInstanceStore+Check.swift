import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `evflow fsck` on the file store: every instance file, the outline index, the inboxes, the pinned definitions
/// and leftover temporary files, compared without changing anything; with `repair`, the index is rebuilt from
/// the files, unreadable files and orphaned inboxes are set aside into `corrupt/` (never deleted), and
/// temporary files older than ``staleTemporaryFileAge`` are removed.
extension FileInstanceStore {
    package func checkConsistency(repair: Bool, progress: (_ done: Int, _ total: Int) -> Void) throws(StoreError) -> StoreCheck {
        if repair { try refuseRepairWhileWorkersRun() }
        var differences: [StoreCheck.Difference] = []
        let ids = try instanceIDs().sorted()
        var outlines: [String: (outline: InstanceOutline, stamp: FileStamp?)] = [:]
        var pinned: [String: [String]] = [:]
        let decoder = StateFileCoding.decoder()
        for (number, id) in ids.enumerated() {
            if number % 1_000 == 0 { progress(number, ids.count) }
            let path = layout.instanceFile(id)
            switch readWithoutSettingAside(path, limit: limits.instance) {
            case .success(let bytes):
                do {
                    let instance = try decoder.decode(FlowInstance.self, from: Data(bytes))
                    guard instance.id == id else {
                        differences.append(.init(.unreadableInstance, instanceID: id, path: path, detail: "the file holds instance \"\(instance.id)\"", repair: "set the file aside into corrupt/"))
                        continue
                    }
                    outlines[id] = (InstanceOutline(instance), FileStamp(path: path))
                    pinned[instance.flow.contentHash, default: []].append(id)
                } catch {
                    differences.append(.init(.unreadableInstance, instanceID: id, path: path, detail: "not a valid instance file: \(StateFileCoding.describe(error))", repair: "set the file aside into corrupt/"))
                }
            case .failure(let problem):
                differences.append(.init(.unreadableInstance, instanceID: id, path: path, detail: problem.description, repair: "set the entry aside into corrupt/"))
            }
        }
        progress(ids.count, ids.count)
        differences += indexDifferences(outlines)
        differences += inboxDifferences(Set(ids))
        for (hash, users) in pinned.sorted(by: { $0.key < $1.key }) where !FileManager.default.fileExists(atPath: layout.definitionFile(hash)) {
            differences.append(.init(.missingDefinition, instanceID: users.first, path: layout.definitionFile(hash), detail: "\(users.count) instance(s) are pinned to definition \(hash), which is not stored", repair: "none: restore the file from a backup of the state folder (its name is its content hash); the instances cannot run without it", repairable: false))
        }
        differences += temporaryFileDifferences()
        var check = StoreCheck(instances: ids.count, differences: differences)
        if repair { check.repaired = try self.repair(differences) }
        return check
    }

    /// A repair sets files aside and rewrites the index; while a worker runs an instance, what fsck read of it may
    /// already be old, so `--repair` waits for a quiet folder.
    private func refuseRepairWhileWorkersRun() throws(StoreError) {
        for name in (try? DirectoryEntries.names(in: layout.locks)) ?? [] where name.hasSuffix(".lock") && !name.hasSuffix(".meter.lock") {
            let id = String(name.dropLast(5))
            guard let holder = lockHolder(id), !holder.isAbandoned else { continue }
            throw StoreError(.io, instanceID: id, path: layout.lockFile(id), detail: "\(holder) is running this instance, so a repair could act on what it is changing; nothing was changed. Stop the workers on this state folder (`evflow serve`, `evflow run`) and run `evflow fsck --repair` again, or run `evflow fsck` without --repair to see the differences")
        }
    }

    /// The file's bytes, or what is wrong with it; unlike ``readIfPresent(_:instanceID:limit:asideName:)`` nothing
    /// is moved.
    private func readWithoutSettingAside(_ path: String, limit: Int) -> Result<[UInt8], Problem> {
        do throws(FileSystemError) {
            switch try files.readRegularFile(path, limit: limit) {
            case .file(let bytes, _): return .success(bytes)
            case .refused(let problem, _, _): return .failure(Problem(problem))
            }
        } catch {
            return .failure(Problem("\(error)"))
        }
    }

    private struct Problem: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    private func indexDifferences(_ outlines: [String: (outline: InstanceOutline, stamp: FileStamp?)]) -> [StoreCheck.Difference] {
        guard let index else { return [] }
        let rebuild = "rebuild the index from the instance files"
        let contents: OutlineIndex.Contents
        switch index.read() {
        case .unusable(let problem):
            return [.init(.indexUnusable, instanceID: nil, path: index.logPath, detail: problem, repair: rebuild)]
        case .read(let read):
            contents = read
        }
        var differences: [StoreCheck.Difference] = []
        if let problem = distrust(contents.header) {
            differences.append(.init(.indexUnverified, instanceID: nil, path: index.logPath, detail: problem, repair: rebuild))
        }
        let now = Int64(Date().timeIntervalSince1970)
        for (id, file) in outlines.sorted(by: { $0.key < $1.key }) {
            switch contents.entries[id] {
            case nil, .removed?:
                differences.append(.init(.indexMissingEntry, instanceID: id, path: index.logPath, detail: "the instance is not in the index", repair: rebuild))
            case .pending(let since)?:
                if now - since >= Self.pendingSaveAge {
                    differences.append(.init(.indexAbandonedSave, instanceID: id, path: index.logPath, detail: "a save began \(now - since) s ago and never recorded its outline (its process died); readers read the file instead", repair: rebuild))
                }
            case .record(let record)?:
                if record.outline != file.outline {
                    differences.append(.init(.indexStaleEntry, instanceID: id, path: index.logPath, detail: "the index says \(record.status.rawValue) at \(record.currentStep ?? "-"), the file \(file.outline.status.rawValue) at \(file.outline.currentStep ?? "-")\(record.updatedAt != file.outline.updatedAt ? " (updated \(StateFileCoding.string(from: record.updatedAt)) against \(StateFileCoding.string(from: file.outline.updatedAt)))" : "")", repair: rebuild))
                } else if record.file != file.stamp {
                    differences.append(.init(.indexStaleEntry, instanceID: id, path: index.logPath, detail: "the entry was taken from another version of the file (\(record.file) against \(file.stamp.map(\.description) ?? "none"))", repair: rebuild))
                }
            }
        }
        for (id, entry) in contents.entries.sorted(by: { $0.key < $1.key }) where outlines[id] == nil {
            if case .removed = entry { continue }
            if case .pending = entry, !FileManager.default.fileExists(atPath: layout.instanceFile(id)) { continue }
            differences.append(.init(.indexExtraEntry, instanceID: id, path: index.logPath, detail: "the index lists an instance whose file is missing or unreadable", repair: rebuild))
        }
        return differences
    }

    private func inboxDifferences(_ ids: Set<String>) -> [StoreCheck.Difference] {
        var differences: [StoreCheck.Difference] = []
        let decoder = StateFileCoding.decoder()
        for name in ((try? DirectoryEntries.names(in: layout.inbox)) ?? []).sorted() where !name.hasPrefix(".") {
            let directory = layout.inboxDirectory(name)
            var status = stat()
            guard lstat(directory, &status) == 0 else { continue }
            guard status.st_mode & S_IFMT == S_IFDIR else {
                differences.append(.init(.orphanedInbox, instanceID: name, path: directory, detail: "the inbox is \(DurableFile.describe(status.st_mode & S_IFMT)), not a directory", repair: "set it aside into corrupt/"))
                continue
            }
            guard ids.contains(name) else {
                differences.append(.init(.orphanedInbox, instanceID: name, path: directory, detail: "an inbox for an instance that does not exist", repair: "set the inbox aside into corrupt/"))
                continue
            }
            for file in ((try? DirectoryEntries.names(in: directory)) ?? []).sorted() where !DurableFile.isTemporary(file) {
                let path = "\(directory)/\(file)"
                switch readWithoutSettingAside(path, limit: limits.signal) {
                case .success(let bytes):
                    if (try? decoder.decode(ReceivedSignal.self, from: Data(bytes))) == nil {
                        differences.append(.init(.unreadableSignal, instanceID: name, path: path, detail: "the signal file does not decode", repair: "set the file aside into corrupt/"))
                    }
                case .failure(let problem):
                    differences.append(.init(.unreadableSignal, instanceID: name, path: path, detail: problem.description, repair: "set the entry aside into corrupt/"))
                }
            }
        }
        return differences
    }

    private func temporaryFileDifferences() -> [StoreCheck.Difference] {
        let inboxes = ((try? DirectoryEntries.names(in: layout.inbox)) ?? []).map(layout.inboxDirectory).filter { directory in
            var status = stat()
            return lstat(directory, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
        }
        var differences: [StoreCheck.Difference] = []
        for directory in [layout.instances, layout.definitions, index?.directory].compactMap({ $0 }) + inboxes {
            for name in ((try? DirectoryEntries.names(in: directory)) ?? []).sorted() where DurableFile.isTemporary(name) {
                let path = "\(directory)/\(name)"
                let age = (FileStamp(path: path)).map { Date().timeIntervalSince1970 - Double($0.modified) / 1e9 } ?? 0
                let old = age >= Self.staleTemporaryFileAge
                differences.append(.init(.temporaryFile, instanceID: nil, path: path, detail: "a temporary file \(Int(age)) s old, left by a write that did not finish", repair: old ? "remove it" : "none yet: a write may still be using it (removed once \(Int(Self.staleTemporaryFileAge)) s old)", repairable: old))
            }
        }
        return differences
    }

    /// Fixes what `differences` lists that can be fixed; set-asides go through the store's own path, so they are
    /// reported exactly as a worker would report them.
    private func repair(_ differences: [StoreCheck.Difference]) throws(StoreError) -> [String] {
        var done: [String] = []
        for difference in differences where difference.repairable {
            switch difference.kind {
            case .unreadableInstance:
                guard let id = difference.instanceID else { continue }
                do throws(StoreError) {
                    _ = try load(id)
                } catch {
                    if let moved = error.quarantinedTo { done.append("set aside \(difference.path) as \(moved)") }
                }
            case .orphanedInbox, .unreadableSignal:
                guard let identity = files.identity(of: difference.path) else { continue }
                var status = stat()
                let isDirectory = lstat(difference.path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
                let name = "\(difference.instanceID ?? "unknown")-inbox-\(Self.timestamp())"
                if let moved = try quarantine(difference.path, identity: identity, name: name, instanceID: difference.instanceID, isDirectory: isDirectory) {
                    done.append("set aside \(difference.path) as \(moved)")
                }
            case .temporaryFile:
                if unlink(difference.path) == 0 { done.append("removed \(difference.path)") }
            case .indexUnusable, .indexUnverified, .indexMissingEntry, .indexExtraEntry, .indexStaleEntry, .indexAbandonedSave, .missingDefinition:
                continue
            }
        }
        if differences.contains(where: { $0.kind.rawValue.hasPrefix("index") }) || done.contains(where: { $0.hasPrefix("set aside") }) {
            let outlines = try refreshIndex(because: "evflow fsck --repair", fromFiles: true)
            done.append("rebuilt the index from \(outlines.count) instance files")
        }
        return done
    }
}
