import FlowEngine
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The ``InstanceStore`` for many workers on several hosts sharing one PostgreSQL database (see ``PostgresSchema``
/// for the tables).
///
/// Every method is synchronous and durable on return (the statement committed), like the file store's: it runs
/// on the calling runner thread, which waits while postgres-nio runs the statement on its own event loops
/// (``PostgresConnections``), retrying through connection loss and restarts.
///
/// ``lock(_:)`` claims a lease (owner `host/pid`, an epoch bumped by every claim, an expiry renewed in the
/// background while held); every ``save(_:)`` of a leased instance is conditional on that epoch, so a worker that
/// lost its lease can never overwrite newer state (``StoreError/Code/leaseLost``). A lease whose owner stops
/// renewing is taken over once it expires, after ``Options/leaseDuration`` (15 s by default).
///
/// ```swift
/// let store = try PostgresInstanceStore(address: PostgresAddress("postgres://evflow@db:5432/evflow"))
/// ```
package final class PostgresInstanceStore: InstanceStore {
    /// How the store behaves; the defaults suit production.
    package struct Options: Sendable {
        /// How long a claimed instance stays leased without a renewal: a worker that stops (killed, paused,
        /// partitioned) loses its instances to another worker this long after its last renewal. Renewed every
        /// third of it while held. Default 15 s (River and Oban default to an hour).
        package var leaseDuration: TimeInterval = 15
        /// How long a statement is retried through connection loss, a restart or a timeout before the store
        /// reports ``StoreError/Code/unavailable``. Default 60 s.
        package var retryWindow: TimeInterval = 60
        /// How long the server lets one statement run (`statement_timeout`) before it cancels it; a cancelled
        /// statement (one stuck behind another session's row lock, say) is retried within ``retryWindow``.
        /// Default 30 s.
        package var statementTimeoutSeconds = 30
        /// How long opening the store tries to reach the database: a database that is down at start is reported
        /// quickly, naming the address. Default 3 s.
        package var openWindow: TimeInterval = 3
        /// How many connections this handle's statements share (each worker process has one handle); a runner
        /// thread waits for a free one. The wake-up listener and each meter-binding lock hold one more of their own.
        /// Size PostgreSQL's `max_connections` for every worker's pool. Default 16.
        package var maximumConnections = 16
        /// Instances per query when listing outlines (``allOutlines()``): a page of outlines is a few hundred
        /// kilobytes, so a listing of 100,000 instances is 50 round trips and never holds every row at once.
        package var listingPage: Int = 2000
        /// Decoded instances kept in memory (``DecodedInstanceCache``), each used only while its row is still at the
        /// version it was read or saved at: enough for the instances a busy worker runs and is asked about at once.
        /// Default 512 (tens of megabytes with long histories).
        package var cachedInstances = 512
        /// The lease owner shown to operators: `host/pid`.
        package var owner: String = "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)"

        package init() {}
    }

    package let address: PostgresAddress
    package let options: Options
    let connections: PostgresConnections
    let leases: LeaseBook
    let counters = PostgresStoreCounters()
    /// The instances this handle last saved or loaded, by row version: see ``decodeStored(_:cached:_:)``.
    let decoded: DecodedInstanceCache<RowVersion>

    /// Connects and checks the schema version.
    /// - Throws: ``StoreError/Code/unavailable`` naming the address (never the password) when the database cannot
    ///   be reached; ``StoreError/Code/incompatibleSchema`` when it is not migrated to this evflow's version.
    package init(address: PostgresAddress, options: Options = Options()) throws(StoreError) {
        self.address = address
        self.options = options
        self.connections = try PostgresConnections(address: address, retryWindow: options.retryWindow,
                                                   statementTimeoutSeconds: options.statementTimeoutSeconds,
                                                   maximumConnections: options.maximumConnections)
        self.leases = LeaseBook()
        self.decoded = DecodedInstanceCache(capacity: options.cachedInstances)
        try PostgresSchema.check(connections, window: options.openWindow)
    }

    deinit {
        leases.stopRenewing()
        connections.shutdown()
    }

    /// Creates or updates evflow's tables (`evflow db migrate`).
    package static func migrate(_ address: PostgresAddress, options: Options = Options()) throws(StoreError) -> (from: Int, to: Int) {
        let connections = try PostgresConnections(address: address, retryWindow: options.openWindow)
        defer { connections.shutdown() }
        let outcome = try PostgresSchema.migrate(connections)
        return (outcome.from, outcome.to)
    }

    /// Drops the schema `address` names, with every table in it: for throwaway schemas of test fixtures. Refuses
    /// `public`, where a real deployment keeps its tables.
    package static func dropSchema(_ address: PostgresAddress) throws(StoreError) {
        guard address.schema != "public" else {
            throw StoreError(.io, instanceID: nil, detail: "refusing to drop the public schema of \(address.redacted)")
        }
        let connections = try PostgresConnections(address: address, retryWindow: 10)
        defer { connections.shutdown() }
        _ = try connections.query("drop a throwaway schema", instanceID: nil, PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(address.schema) CASCADE"))
    }

    /// The schema version this evflow writes.
    package static var schemaVersion: Int { PostgresSchema.version }

    package var statistics: StoreStatistics { StoreStatistics(durableWrites: counters.writes.load(ordering: .relaxed), fsyncs: 0) }

    // MARK: Instances

    package func create(_ instance: FlowInstance, arrival: Arrival) throws(StoreError) -> FlowInstance? {
        try Self.validate(instance.id)
        let row = try InstanceRow(instance, address: address)
        let interruptions = connections.interruptions
        let rows = try connections.query("create instance", instanceID: instance.id, """
            INSERT INTO instances (id, flow, flow_version, status, current_step, wake_at, payment_reference, created_at, updated_at, state)
            VALUES (\(row.id), \(row.flow), \(row.flowVersion), \(row.status), \(row.currentStep), \(row.wakeAt), \(row.paymentReference),
                    \(row.createdAt), \(row.updatedAt), \(row.state)::jsonb)
            ON CONFLICT (id) DO NOTHING
            RETURNING revision, xmin::text::bigint
            """)
        counters.writes.add(1, ordering: .relaxed)
        if !instance.status.isFinished, let version = try? rows.first?.decode((Int64, Int64).self) {
            decoded.remember(instance, version: RowVersion(revision: version.0, transaction: version.1, interruptions: interruptions))
        }
        if !rows.isEmpty {
            notify(instance.id)
            arrival.announce()
            return nil
        }
        return try load(instance.id)
    }

    package func load(_ id: String) throws(StoreError) -> FlowInstance {
        try decodeStored(id, cached: { $0 }) { text, version throws in
            let instance = try StateFileCoding.decoder().decode(FlowInstance.self, from: Data(text.utf8))
            guard instance.id == id else { throw MismatchedID(stored: instance.id) }
            decoded.remember(instance, version: version)
            return instance
        }
    }

    package func loadOutline(_ id: String) throws(StoreError) -> InstanceOutline {
        try decodeStored(id, cached: { InstanceOutline($0) }) { text, _ throws in
            let outline = try StateFileCoding.decoder().decode(InstanceOutline.self, from: Data(text.utf8))
            guard outline.id == id else { throw MismatchedID(stored: outline.id) }
            return outline
        }
    }

    package func save(_ instance: FlowInstance) throws(StoreError) {
        try Self.validate(instance.id)
        let row = try InstanceRow(instance, address: address)
        let held = leases.held(instance.id)
        if let held, held.isLost {
            throw fenced(instance.id, epoch: held.epoch, why: "its lease could not be renewed in time")
        }
        // An unleased save (an operator's edit, a test) is unconditional, as a file store's replace is. A leased one
        // locks its lease row (`FOR SHARE`): under read committed a plain sub-select reads the statement's snapshot,
        // so a takeover committing just after it would not be seen and a stale save could land after the takeover;
        // the lock waits for that claim and re-reads the newest lease row, whose epoch then fences the save.
        let token = held?.token ?? ""
        let epoch = held?.epoch ?? 0
        let unleased = held == nil
        let query: PostgresQuery = """
            INSERT INTO instances (id, flow, flow_version, status, current_step, wake_at, payment_reference, created_at, updated_at, state)
            VALUES (\(row.id), \(row.flow), \(row.flowVersion), \(row.status), \(row.currentStep), \(row.wakeAt), \(row.paymentReference),
                    \(row.createdAt), \(row.updatedAt), \(row.state)::jsonb)
            ON CONFLICT (id) DO UPDATE SET flow = EXCLUDED.flow, flow_version = EXCLUDED.flow_version, status = EXCLUDED.status,
                current_step = EXCLUDED.current_step, wake_at = EXCLUDED.wake_at, payment_reference = EXCLUDED.payment_reference,
                created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, revision = instances.revision + 1, state = EXCLUDED.state
            WHERE \(unleased) OR EXISTS (SELECT 1 FROM leases WHERE instance_id = \(instance.id) AND token = \(token) AND epoch = \(epoch) FOR SHARE)
            RETURNING revision, xmin::text::bigint
            """
        let rows: [PostgresRow]
        let interruptions = connections.interruptions
        do {
            rows = try connections.query("save instance", instanceID: instance.id, query)
        } catch {
            // The row may hold the old document or the new one; a later load compares versions either way.
            decoded.forget(instance.id)
            throw error
        }
        counters.writes.add(1, ordering: .relaxed)
        if rows.isEmpty, let held {
            decoded.forget(instance.id)
            leases.markLost(instance.id)
            throw fenced(instance.id, epoch: held.epoch, why: "another worker claimed it since")
        }
        if instance.status.isFinished {
            decoded.forget(instance.id)
        } else if let version = try? rows.first?.decode((Int64, Int64).self) {
            decoded.remember(instance, version: RowVersion(revision: version.0, transaction: version.1, interruptions: interruptions))
        } else {
            decoded.forget(instance.id)
        }
    }

    package func instanceIDs() throws(StoreError) -> [String] {
        let rows = try connections.query("list instances", instanceID: nil, "SELECT id FROM instances")
        return try decodeRows(rows, "list instances") { try $0.decode(String.self) }
    }

    // MARK: Shared by the extensions

    struct MismatchedID: Error { var stored: String }

    /// Which version of a row a cached instance was made from: the revision every save increments, and the
    /// transaction that wrote the row (`xmin`), which tells a row deleted and created again (its revision starts
    /// over at 1) from the one cached.
    ///
    /// With the count of connection interruptions when it was read or saved (``PostgresConnections/interruptions``):
    /// after a restart or failover the database may have lost commits the entry saw, and reuse their transaction
    /// ids, so an entry from before one is never used.
    struct RowVersion: Equatable, Sendable {
        var revision: Int64
        var transaction: Int64
        var interruptions: Int
    }

    static func validate(_ id: String) throws(StoreError) {
        if let problem = InstanceID.problem(with: id) {
            throw StoreError(.invalidID, instanceID: id, detail: problem)
        }
    }

    /// A save refused by fencing: counted, and worded for the operator reading the worker's log.
    func fenced(_ id: String, epoch: Int64, why: String) -> StoreError {
        counters.fencingRejections.add(1, ordering: .relaxed)
        return StoreError(.leaseLost, instanceID: id, detail: "this worker (\(options.owner)) no longer holds the lease it claimed at epoch \(epoch) (\(why)): the save was refused so newer state is never overwritten, and this worker lets go of the instance; the worker that holds it now continues it and settles any payment call by its Idempotency-Key")
    }

    /// Decodes every row, reporting a row of an unexpected shape as a database problem.
    func decodeRows<T>(_ rows: [PostgresRow], _ what: String, _ decode: (PostgresRow) throws -> T) throws(StoreError) -> [T] {
        do {
            return try rows.map(decode)
        } catch {
            throw StoreError(.io, instanceID: nil, detail: "the database \(address.redacted) answered \(what) with rows evflow cannot read (\(error)); is the schema evflow's? (`evflow db migrate`)")
        }
    }

    /// Reads an instance's document and decodes it; a document that does not decode is moved to `set_aside`
    /// untouched (never overwritten) and reported as ``StoreError/Code/corrupt``.
    ///
    /// The document is sent only when the row is not at the version of this store's cached instance
    /// (``DecodedInstanceCache``): a run that loads what it just saved, or a status read of an instance that has
    /// not moved since the last one, costs one small row and no decoding.
    private func decodeStored<T>(_ id: String, cached: (FlowInstance) -> T, _ decode: (String, RowVersion) throws -> T) throws(StoreError) -> T {
        try Self.validate(id)
        // Another pass when the row was saved again while a damaged version was being set aside, or when the
        // cached instance was evicted between asking for its version and taking it.
        for pass in 0..<3 {
            let interruptions = connections.interruptions
            // The last pass asks for the document whatever is cached.
            var known = pass < 2 ? decoded.version(of: id) : nil
            if let entry = known, entry.interruptions != interruptions {
                decoded.forget(id)
                known = nil
            }
            let rows = try connections.query("load instance", instanceID: id, """
                SELECT revision, xmin::text::bigint,
                       CASE WHEN revision = \(known?.revision ?? -1) AND xmin::text::bigint = \(known?.transaction ?? -1) THEN NULL ELSE state::text END
                FROM instances WHERE id = \(id)
                """)
            guard let row = rows.first else {
                decoded.forget(id)
                throw StoreError(.notFound, instanceID: id, detail: "no such instance in \(address.redacted); `evflow list` shows the instances there are")
            }
            let (revision, transaction, document) = try decodeRows([row], "load instance") { try $0.decode((Int64, Int64, String?).self) }[0]
            let version = RowVersion(revision: revision, transaction: transaction, interruptions: interruptions)
            guard let text = document else {
                // Not if the connection was interrupted while this statement ran: the answer may be a new server's.
                if connections.interruptions == interruptions, let instance = decoded.instance(id, matching: version) { return cached(instance) }
                continue
            }
            decoded.countMiss()
            let problem: String
            do {
                return try decode(text, version)
            } catch let error as MismatchedID {
                problem = "the row holds instance \"\(InstanceID.printable(error.stored))\", not \"\(id)\""
            } catch {
                problem = "not a valid instance document: \(StateFileCoding.describe(error))"
            }
            let moved = try connections.query("set aside a damaged instance", instanceID: id, """
                WITH moved AS (DELETE FROM instances WHERE id = \(id) AND revision = \(revision) RETURNING id, state::text AS document)
                INSERT INTO set_aside (instance_id, name, problem, document)
                SELECT id, \(Self.asideName(id)), \(problem), document FROM moved
                RETURNING number
                """)
            decoded.forget(id)
            if let number = try decodeRows(moved, "set aside", { try $0.decode(Int64.self) }).first {
                throw StoreError(.corrupt, instanceID: id, quarantinedTo: "set_aside #\(number) in \(address.redacted)", detail: problem)
            }
        }
        throw StoreError(.io, instanceID: id, detail: "the instance kept being replaced while it was read; try again")
    }

    /// `<id>-20261127T134441.123Z`, as the file store names what it sets aside.
    static func asideName(_ id: String) -> String {
        let text = StateFileCoding.string(from: Date())
        return "\(id)-" + text.prefix(23).filter { $0 != "-" && $0 != ":" } + "Z"
    }
}
