import Foundation
import Synchronization

/// Instances, inboxes and pinned definitions kept in this process's memory, for flow tests (`evflow test`): a
/// scenario's store lives as long as its scenario and is thrown away with it, so nothing it holds needs to reach
/// a disk.
///
/// Why: a 10-hour scenario saves its instance after every meter reading. On a state folder, even without fsyncs,
/// each save encoded the whole document and each reading wrote, listed and removed an inbox file: together more
/// than half of `evflow test`'s CPU time (see docs/performance.md). Here a save keeps the value it is given and a
/// delivery appends to an array.
///
/// It keeps the ``InstanceStore`` contract the file and PostgreSQL stores keep (the store conformance suite runs
/// on it): exclusive creates, run locks that exclude every handle (``openAnotherHandle()``), deduplicated inboxes
/// oldest first, and a damaged record reported and set aside, never overwritten. What it does not do is encode
/// every save: only a finished instance is encoded, once, as a state folder would store it, and decoded back (see
/// ``save(_:)``), so a flow whose state a state folder cannot hold still fails its scenario. An operator has no file
/// to read. Never for money: a crash loses everything.
package struct MemoryInstanceStore: InstanceStore {
    private let storage: Storage

    /// Empty storage.
    package init() {
        storage = Storage()
    }

    private init(storage: Storage) {
        self.storage = storage
    }

    /// Another handle on the same storage, as a second runner would open one: it reads what this one saved, and a
    /// lock either holds excludes the other.
    package func openAnotherHandle() -> MemoryInstanceStore { MemoryInstanceStore(storage: storage) }

    /// Replaces an instance's record with bytes that are not an instance, as a damaged disk would: the next read
    /// reports it as ``StoreError/Code/corrupt`` and sets the bytes aside. For the store conformance suite.
    package func damage(_ id: String, with bytes: [UInt8]) {
        storage.state.withLock { $0.records[id] = .unreadable(bytes) }
    }

    /// The bytes set aside for `id`, oldest first.
    package func setAsideBytes(of id: String) -> [[UInt8]] {
        storage.state.withLock { state in state.setAside.filter { $0.instanceID == id }.map(\.bytes) }
    }

    /// The same ids as every store takes: a scenario must not pass here with an id a state folder refuses.
    private static func validate(_ id: String) throws(StoreError) {
        if let problem = InstanceID.problem(with: id) { throw StoreError(.invalidID, instanceID: id, detail: problem) }
    }

    private static func checkStorable(_ instance: FlowInstance) throws(StoreError) {
        let problem: String
        do {
            let bytes = try StateFileCoding.encoder().encode(instance)
            let limit = StateFileLimits.standard.instance
            if bytes.count > limit {
                problem = "its state file would be \(bytes.count) bytes, over the \(limit)-byte limit of a state folder"
            } else if try StateFileCoding.decoder().decode(FlowInstance.self, from: bytes) != instance {
                problem = "its state file does not read back as the same instance"
            } else {
                return
            }
        } catch {
            problem = "its state file cannot be written or read back: \(StateFileCoding.describe(error))"
        }
        throw StoreError(.io, instanceID: instance.id, detail: "the finished instance could not be stored in a state folder: \(problem)")
    }

    package var statistics: StoreStatistics { storage.state.withLock { StoreStatistics(durableWrites: $0.writes, fsyncs: 0) } }

    // MARK: Instances

    package func create(_ instance: FlowInstance, arrival: Arrival) throws(StoreError) -> FlowInstance? {
        try Self.validate(instance.id)
        let created = storage.state.withLock { state in
            guard state.records[instance.id] == nil else { return false }
            state.records[instance.id] = .instance(instance)
            state.writes += 1
            return true
        }
        guard created else { return try load(instance.id) }
        arrival.announce()
        return nil
    }

    package func load(_ id: String) throws(StoreError) -> FlowInstance {
        try Self.validate(id)
        let result: Result<FlowInstance, StoreError> = storage.state.withLock { state in
            switch state.records[id] {
            case nil:
                return .failure(StoreError(.notFound, instanceID: id, detail: "no such instance in this test's store"))
            case .instance(let instance)?:
                return .success(instance)
            case .unreadable(let bytes)?:
                state.records[id] = nil
                let name = "\(id)-\(StateFileCoding.string(from: Date()))-\(state.setAside.count)"
                state.setAside.append(.init(instanceID: id, name: name, bytes: bytes, at: Date()))
                return .failure(StoreError(.corrupt, instanceID: id, quarantinedTo: name,
                                           detail: "the record is not a valid instance (\(bytes.count) bytes)"))
            }
        }
        return try result.get()
    }

    /// Keeps `instance` as it is. A finished one is first encoded as a state folder writes it, checked against the
    /// folder's size limit and decoded back: what a scenario ends with is what production could store, once per
    /// scenario instead of once per reading.
    /// - Throws: ``StoreError/Code/io`` when a state folder could not write or read back the finished instance.
    package func save(_ instance: FlowInstance) throws(StoreError) {
        try Self.validate(instance.id)
        if instance.status.isFinished { try Self.checkStorable(instance) }
        storage.state.withLock { state in
            state.records[instance.id] = .instance(instance)
            state.writes += 1
        }
    }

    package func instanceIDs() throws(StoreError) -> [String] {
        storage.state.withLock { Array($0.records.keys) }
    }

    package func setAsideRecords() -> [SetAsideRecord] {
        storage.state.withLock { state in state.setAside.map { SetAsideRecord(name: $0.name, setAsideAt: $0.at) } }
    }

    package func checkConsistency(repair: Bool, progress: (_ done: Int, _ total: Int) -> Void) throws(StoreError) -> StoreCheck {
        let (count, unreadable) = storage.state.withLock { state in
            (state.records.count, state.records.compactMap { id, record in
                if case .unreadable = record { id } else { nil }
            })
        }
        progress(count, count)
        return StoreCheck(instances: count, differences: unreadable.sorted().map {
            .init(.unreadableInstance, instanceID: $0, path: $0, detail: "the record is not a valid instance",
                  repair: "set aside by the store when read", repairable: false)
        })
    }

    // MARK: Locks

    package func lock(_ id: String) throws(StoreError) -> (any InstanceLock)? {
        try Self.validate(id)
        return storage.take(.run, id).map { MemoryLock(storage: storage, kind: .run, id: id, token: $0) }
    }

    package func meterBindingLock(_ id: String) throws(StoreError) -> any InstanceLock {
        try Self.validate(id)
        // Held for one check and one delivery, so a short poll is all a waiter ever does.
        while true {
            if let token = storage.take(.meterBinding, id) {
                return MemoryLock(storage: storage, kind: .meterBinding, id: id, token: token)
            }
            Thread.sleep(forTimeInterval: 0.001)
        }
    }

    package func lockHolder(_ id: String) -> LockHolder? {
        storage.state.withLock { $0.locks[LockKey(kind: .run, id: id)] == nil ? nil : LockHolder(processID: ProcessInfo.processInfo.processIdentifier) }
    }

    // MARK: Inbox

    /// - Throws: ``StoreError/Code/notFound`` when there is no such instance.
    package func deliver(_ signal: ReceivedSignal, to id: String, arrival: Arrival) throws(StoreError) -> Bool {
        try Self.validate(id)
        let delivered: Bool? = storage.state.withLock { state in
            guard state.records[id] != nil else { return nil }
            guard state.inboxes[id]?.contains(where: { $0.id == signal.id }) != true else { return false }
            state.inboxes[id, default: []].append(signal)
            state.writes += 1
            return true
        }
        guard let delivered else {
            throw StoreError(.notFound, instanceID: id, detail: "no such instance to deliver signal \"\(signal.name)\" (\(signal.id)) to")
        }
        if delivered { arrival.announce() }
        return delivered
    }

    package func inbox(of id: String) throws(StoreError) -> [ReceivedSignal] {
        try Self.validate(id)
        // Oldest first; signals received at the same moment by id, as every store orders them.
        return storage.state.withLock { $0.inboxes[id] ?? [] }.sorted { ($0.receivedAt, $0.id) < ($1.receivedAt, $1.id) }
    }

    package func removeFromInbox(_ signalIDs: [String], of id: String) throws(StoreError) {
        try Self.validate(id)
        let removed = Set(signalIDs)
        storage.state.withLock { state in
            state.inboxes[id]?.removeAll { removed.contains($0.id) }
            if state.inboxes[id]?.isEmpty == true { state.inboxes[id] = nil }
        }
    }

    package func instancesWithPendingSignals() throws(StoreError) -> [String] {
        storage.state.withLock { Array($0.inboxes.keys) }
    }

    // MARK: Definitions

    /// - Throws: ``StoreError/Code/invalidID`` when `contentHash` is not the lower-case hex SHA-256 of `bytes`.
    package func saveDefinition(_ bytes: [UInt8], contentHash: String) throws(StoreError) {
        try StoreError.checkContentHash(contentHash)
        let actual = JSONNode.contentHash(of: bytes)
        guard actual == contentHash else {
            throw StoreError(.invalidID, instanceID: nil, detail: "the definition's bytes hash to \(actual), not to the content hash \(contentHash.prefix(80)) they were to be stored under")
        }
        storage.state.withLock { $0.definitions[contentHash] = bytes }
    }

    /// - Throws: ``StoreError/Code/invalidID`` when `contentHash` is not 64 lower-case hex digits.
    package func loadDefinition(contentHash: String) throws(StoreError) -> [UInt8]? {
        try StoreError.checkContentHash(contentHash)
        return storage.state.withLock { $0.definitions[contentHash] }
    }
}

extension MemoryInstanceStore {
    /// Everything the handles on one storage share, under one lock.
    fileprivate final class Storage: Sendable {
        let state = Mutex(State())

        /// Takes the `kind` lock of instance `id` if it is free, returning the token that releases it.
        func take(_ kind: LockKey.Kind, _ id: String) -> Int? {
            state.withLock { state in
                let key = LockKey(kind: kind, id: id)
                guard state.locks[key] == nil else { return nil }
                state.nextToken += 1
                state.locks[key] = state.nextToken
                return state.nextToken
            }
        }
    }

    fileprivate enum Record {
        case instance(FlowInstance)
        /// Bytes a test put in place of the instance (``MemoryInstanceStore/damage(_:with:)``).
        case unreadable([UInt8])
    }

    /// A run lock (``lock(_:)``) or a meter-binding lock (``meterBindingLock(_:)``) of one instance: independent.
    fileprivate struct LockKey: Hashable {
        enum Kind { case run, meterBinding }
        var kind: Kind
        var id: String
    }

    fileprivate struct SetAside {
        var instanceID: String
        var name: String
        var bytes: [UInt8]
        var at: Date
    }

    fileprivate struct State {
        var records: [String: Record] = [:]
        var inboxes: [String: [ReceivedSignal]] = [:]
        var definitions: [String: [UInt8]] = [:]
        var setAside: [SetAside] = []
        /// Held locks, each with the token of its taking.
        var locks: [LockKey: Int] = [:]
        var nextToken = 0
        var writes = 0
    }

    /// One taking of a lock; releasing it twice, or after another taking, changes nothing.
    fileprivate final class MemoryLock: InstanceLock {
        let storage: Storage
        let key: LockKey
        let token: Int

        init(storage: Storage, kind: LockKey.Kind, id: String, token: Int) {
            self.storage = storage
            self.key = LockKey(kind: kind, id: id)
            self.token = token
        }

        func release() {
            storage.state.withLock { state in
                if state.locks[key] == token { state.locks[key] = nil }
            }
        }

        /// A lock nobody holds any more is free, as a file lock is once its descriptor closes.
        deinit { release() }
    }
}
