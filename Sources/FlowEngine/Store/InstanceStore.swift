import Foundation

/// Durable storage of flow instances, their signal inboxes and the definitions they are pinned to.
///
/// Kept small on purpose: ``FileInstanceStore`` keeps JSON files on one machine, and a PostgreSQL store for
/// several machines will implement the same interface. Every method is synchronous and durable on return:
/// when it returns, the data survives a crash of the process or the machine. The flow-test stores are the
/// exceptions, and say so: ``MemoryInstanceStore`` (nothing survives the process) and the scratch file store (no
/// fsyncs).
package protocol InstanceStore: Sendable {
    /// Creates `instance` unless an instance with its id exists, telling `arrival` once it is created (see
    /// ``Arrival``: a store with group commit may tell it before the instance is durable, never after returning).
    /// - Returns: `nil` when created, or the existing instance (the caller decides whether that is a repeat
    ///   of the same start or a conflict).
    func create(_ instance: FlowInstance, arrival: Arrival) throws(StoreError) -> FlowInstance?

    /// Reads one instance. A file that cannot be decoded is moved aside (never overwritten) and reported as
    /// ``StoreError/Code/corrupt``.
    func load(_ id: String) throws(StoreError) -> FlowInstance

    /// Reads what listings and recovery need of an instance (see ``InstanceOutline``); a corrupt file is
    /// handled as by ``load(_:)``.
    func loadOutline(_ id: String) throws(StoreError) -> InstanceOutline

    /// Replaces the stored instance atomically: readers see the old or the new version, never a mix.
    func save(_ instance: FlowInstance) throws(StoreError)

    /// The ids of every stored instance, in no particular order.
    func instanceIDs() throws(StoreError) -> [String]

    /// The outline of every stored instance, in no particular order: what `evflow list`, the stuck diagnosis and
    /// a worker's start-up read. A store with an index or columns answers from them (``FileInstanceStore`` keeps
    /// an ``OutlineIndex``); the default reads each instance's outline (``loadOutlines(_:)``).
    /// - Returns: each id's outline, or the error reading it gave (corrupt records are set aside as by ``load(_:)``).
    func allOutlines() throws(StoreError) -> [(id: String, outline: Result<InstanceOutline, StoreError>)]

    /// Takes the instance's exclusive lock without waiting, so one runner at a time executes it, across
    /// processes. Returns `nil` when another runner holds it. The lock is released by
    /// ``InstanceLock/release()`` or when the holding process dies.
    func lock(_ id: String) throws(StoreError) -> (any InstanceLock)?

    /// Takes the instance's meter-binding lock, waiting for it. ``FlowRunner/meterValues(instanceID:json:)`` holds
    /// it while it checks which transaction an instance not yet bound to one meters and stores the message, so
    /// that of two first messages for different transactions only one is accepted, across processes. It is held
    /// for one check and one delivery at a time, and is independent of ``lock(_:)`` (a running instance does not
    /// hold it up).
    func meterBindingLock(_ id: String) throws(StoreError) -> any InstanceLock

    /// Stores a signal durably in the instance's inbox before the sender is answered, telling `arrival` once it
    /// is in the inbox (see ``Arrival``; not for a duplicate).
    /// - Returns: `false` when a signal with the same id is already in the inbox (a duplicate).
    func deliver(_ signal: ReceivedSignal, to id: String, arrival: Arrival) throws(StoreError) -> Bool

    /// The signals waiting in an instance's inbox, oldest first.
    func inbox(of id: String) throws(StoreError) -> [ReceivedSignal]

    /// Removes signals from an inbox once the instance file that absorbed them has been saved.
    func removeFromInbox(_ signalIDs: [String], of id: String) throws(StoreError)

    /// The ids of instances with at least one signal in their inbox.
    func instancesWithPendingSignals() throws(StoreError) -> [String]

    /// Returns once every write this store has begun is durable, including a start or signal still in its patient
    /// wait (``Arrival``): the interpreter calls it before a call it makes without a save of its own (a
    /// notification, a receipt), so that nothing outside evflow acts on an input a machine crash could still lose.
    /// Free for stores whose writes are durable when they return (the default).
    func awaitDurability() throws(StoreError)

    /// Stores a definition's canonical bytes under its content hash (idempotent).
    func saveDefinition(_ bytes: [UInt8], contentHash: String) throws(StoreError)

    /// The definition bytes stored under `contentHash`, or `nil`.
    func loadDefinition(contentHash: String) throws(StoreError) -> [UInt8]?

    /// Who holds the instance's lock now, or `nil` when nobody does: what `evflow show` and the stuck diagnosis
    /// report. Never takes or waits for the lock.
    func lockHolder(_ id: String) -> LockHolder?

    /// Who holds the locks of `ids` (the held ones only), for listings that diagnose every instance; a shared
    /// store answers in one read instead of one per instance (default: ``lockHolder(_:)`` for each).
    func lockHolders(_ ids: [String]) -> [String: LockHolder]

    /// The records this store has set aside as unreadable (see ``StoreError/Code/corrupt``), oldest first.
    func setAsideRecords() -> [SetAsideRecord]

    /// Compares the store's records with its index, inboxes and pinned definitions (`evflow fsck`), and with
    /// `repair` fixes what can be fixed without losing data: never deletes an instance record.
    /// - Parameter progress: called now and then with how many records were checked of how many.
    func checkConsistency(repair: Bool, progress: (_ done: Int, _ total: Int) -> Void) throws(StoreError) -> StoreCheck

    /// Counts of durable writes and fsyncs so far, for benchmarks and the closing notes.
    var statistics: StoreStatistics { get }

    /// Unfinished instances due by `date` that no live worker holds (default: none; see the extension).
    func claimableInstances(dueBy date: Date, limit: Int) throws(StoreError) -> [String]

    /// Wake-ups from other workers of a shared store (default: none; see the extension).
    func subscribeToWakeUps(_ wake: @escaping @Sendable (_ instanceID: String) -> Void) -> (any WakeUpSubscription)?

    /// Lease counters of a shared store (default: none).
    var leaseStatistics: LeaseStatistics? { get }

    /// The instance whose payment has `reference`, from a shared store's index (default: `nil`, the caller's own
    /// index is all there is); see the extension.
    func instanceID(paymentReference reference: String) throws(StoreError) -> String?
}

extension InstanceStore {
    /// ``create(_:arrival:)`` with nothing to wake: durable on return, as every write (copies, tests, imports).
    package func create(_ instance: FlowInstance) throws(StoreError) -> FlowInstance? {
        try create(instance, arrival: .unannounced)
    }

    package func awaitDurability() throws(StoreError) {}

    /// ``deliver(_:to:arrival:)`` with nothing to wake.
    package func deliver(_ signal: ReceivedSignal, to id: String) throws(StoreError) -> Bool {
        try deliver(signal, to: id, arrival: .unannounced)
    }

    /// The outline of the whole instance: stores without a cheaper way to read one get it from ``load(_:)``.
    package func loadOutline(_ id: String) throws(StoreError) -> InstanceOutline { InstanceOutline(try load(id)) }

    /// ``lockHolder(_:)`` of each id: a file store reads one small lock file per instance.
    package func lockHolders(_ ids: [String]) -> [String: LockHolder] {
        var holders: [String: LockHolder] = [:]
        // Probed on every core: `evflow list` asks for every instance's holder (the file store: one lock file each).
        for (id, holder) in ids.concurrentMap({ id in (id, lockHolder(id)) }) {
            if let holder { holders[id] = holder }
        }
        return holders
    }

    /// Every outline, one instance at a time: stores without an index or columns for it.
    package func allOutlines() throws(StoreError) -> [(id: String, outline: Result<InstanceOutline, StoreError>)] {
        loadOutlines(try instanceIDs())
    }

    /// Unfinished instances due by `date` that no live worker holds, for a worker to claim with ``lock(_:)``: how
    /// starts and timers made by workers in other processes or on other hosts reach this one. A store that one
    /// machine's runners share through ``lock(_:)`` and start-up recovery (the file store) returns none.
    package func claimableInstances(dueBy date: Date, limit: Int) throws(StoreError) -> [String] { [] }

    /// Calls `wake` with an instance's id whenever any worker of the shared store starts, signals or pays it, until
    /// the returned subscription is cancelled; `nil` when the store has no such notifications (the worker's poll
    /// finds what others stored). `wake` must not block: it may run on an event loop.
    package func subscribeToWakeUps(_ wake: @escaping @Sendable (_ instanceID: String) -> Void) -> (any WakeUpSubscription)? { nil }

    /// The shared store's own counters (leases held, takeovers, fencing rejections), for `/metrics`; `nil` for stores without leases.
    package var leaseStatistics: LeaseStatistics? { nil }

    /// Asked when serve's in-memory payment-reference index does not know a webhook's reference: on a store that
    /// several servers share, another server may have created the payment. The file store returns `nil` (its one
    /// server's index is complete).
    package func instanceID(paymentReference reference: String) throws(StoreError) -> String? { nil }
}

/// An exclusive hold on one instance; release it when the runner is done with the instance.
package protocol InstanceLock: Sendable {
    func release()
}

/// Who holds an instance's lock, as far as the store can tell.
package struct LockHolder: Sendable, Equatable, CustomStringConvertible {
    /// The holding process on this machine, when the store knows it.
    package var processID: Int32?
    /// The holder is known to be gone while its lock still stands (its process died, or a shared store's lease
    /// expired): `evflow resume` or another worker takes the instance over.
    package var isAbandoned: Bool
    /// A shared store's lease owner, `host/pid` (the file store leaves it `nil`).
    package var owner: String?
    /// How long ago the owner last renewed its lease, when the store keeps leases.
    package var sinceRenewal: TimeInterval?

    package init(processID: Int32?, isAbandoned: Bool = false, owner: String? = nil, sinceRenewal: TimeInterval? = nil) {
        self.processID = processID
        self.isAbandoned = isAbandoned
        self.owner = owner
        self.sinceRenewal = sinceRenewal
    }

    /// `process 4121`, `a worker`, or for a lease `worker host-b/4121`.
    package var description: String {
        guard let owner else { return processID.map { "process \($0)" } ?? "a worker" }
        return "worker \(owner)"
    }

    /// For an expired lease: `worker host-b/4121 stopped renewing 40 s ago`.
    package var lapse: String? {
        guard isAbandoned, owner != nil, let sinceRenewal else { return nil }
        return "\(description) stopped renewing \(Int(sinceRenewal.rounded())) s ago"
    }
}

/// A record the store could not read and moved aside, untouched, for an operator to inspect.
package struct SetAsideRecord: Sendable, Equatable {
    /// Its name where it was set aside (a file name in `corrupt/`).
    package var name: String
    package var setAsideAt: Date

    package init(name: String, setAsideAt: Date) {
        self.name = name
        self.setAsideAt = setAsideAt
    }
}

/// How much durable work a store has done.
package struct StoreStatistics: Sendable, Equatable {
    /// Atomic file replacements (or rows written).
    package var durableWrites: Int = 0
    /// fsync calls, files and directories.
    package var fsyncs: Int = 0

    package init(durableWrites: Int = 0, fsyncs: Int = 0) {
        self.durableWrites = durableWrites
        self.fsyncs = fsyncs
    }
}

/// A storage failure, with the instance and file it concerns and what an operator can do.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String { case notFound, corrupt, io, invalidID, leaseLost, unavailable, incompatibleSchema }
        fileprivate let base: Base
        /// No instance with that id.
        public static let notFound = Code(base: .notFound)
        /// The file exists but is not a readable instance; it was moved aside to ``StoreError/quarantinedTo``.
        public static let corrupt = Code(base: .corrupt)
        /// The file system refused a read, write, rename, fsync or lock.
        public static let io = Code(base: .io)
        /// The id is not path-safe.
        public static let invalidID = Code(base: .invalidID)
        /// A shared store's lease on the instance was taken over by another worker (this one was paused, partitioned
        /// or slow past its lease): the save was refused so newer state is never overwritten, and this worker must let
        /// go of the instance.
        public static let leaseLost = Code(base: .leaseLost)
        /// The database could not be reached (down, refusing connections, wrong address or credentials) even after
        /// retrying: nothing was changed.
        public static let unavailable = Code(base: .unavailable)
        /// The database's schema is missing, older or newer than this evflow knows (`evflow db migrate`).
        public static let incompatibleSchema = Code(base: .incompatibleSchema)
        public var description: String { base.rawValue }
    }

    public var code: Code
    public var instanceID: String?
    /// The file concerned.
    public var path: String?
    /// Where a corrupt file was moved.
    public var quarantinedTo: String?
    public var detail: String

    package init(_ code: Code, instanceID: String?, path: String? = nil, quarantinedTo: String? = nil, detail: String) {
        self.code = code
        self.instanceID = instanceID
        self.path = path
        self.quarantinedTo = quarantinedTo
        self.detail = detail
    }

    public var description: String {
        var text = "instance \(instanceID.map { InstanceID.printable($0) } ?? "?")"
        if let path { text += " (\(path))" }
        text += ": \(code): \(detail)"
        if let quarantinedTo { text += "; the file was moved to \(quarantinedTo) and left untouched for inspection" }
        return text
    }
}

extension StoreError {
    /// Refuses a content hash that is not 64 lower-case hex digits before a store names anything by it (a file, a
    /// row, a key): every store checks the same form and says the same thing.
    package static func checkContentHash(_ contentHash: String) throws(StoreError) {
        let isHex = contentHash.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
        guard contentHash.utf8.count == 64, isHex else {
            throw StoreError(.invalidID, instanceID: nil, detail: "a content hash is 64 lower-case hex digits (SHA-256), got \"\(contentHash.prefix(80))\"")
        }
    }
}
