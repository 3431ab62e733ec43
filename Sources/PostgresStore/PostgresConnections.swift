import FlowEngine
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// The store's connections to one database, and the one place that runs statements: from the calling (runner)
/// thread, which waits while postgres-nio runs the statement on its own event loops.
///
/// Why synchronous: ``InstanceStore`` is synchronous and durable on return, and is called from the runner's own
/// threads (never from an event loop; `EventLoopFuture.wait()` traps if it ever is). Why retries here: a
/// restarted server, a dropped connection, a statement timeout or a serialization failure is retried on a fresh
/// connection for up to ``retryWindow``, so workers ride out a database restart and lose nothing; only then is it
/// reported as ``StoreError/Code/unavailable``. Every statement evflow sends is safe to repeat (an insert that
/// did land is found by its key on the repeat).
final class PostgresConnections: Sendable {
    let address: PostgresAddress
    /// How long a statement is retried through connection loss before the store gives up.
    let retryWindow: TimeInterval
    /// The server cancels a statement running longer (`statement_timeout`); it is then retried.
    let statementTimeoutSeconds: Int
    private let configuration: PostgresConnection.Configuration
    private let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    private let logger: Logger
    private let state = Mutex(State())
    /// The most connections the pool has open at once (see ``init(address:retryWindow:statementTimeoutSeconds:maximumConnections:)``).
    let maximumConnections: Int
    /// One permit per pooled connection a statement may use right now: a runner thread waits for one rather than
    /// opening a connection of its own. Opening one per busy thread and closing it again once 8 sat idle made every
    /// burst fork and authenticate new server processes: with 4 workers at 256 sessions in flight that was most of
    /// the database's CPU per flow.
    private let permits: DispatchSemaphore

    private struct State {
        var idle: [PostgresConnection] = []
        var nextID = 1
        var opened = 0
        var retried: [String: Int] = [:]
        var interruptions = 0
    }

    /// The failures ridden out by a retry so far, by SQLSTATE (`57P01`, `40001`, `57014`) or connection problem
    /// (`serverClosedConnection`, `NoAnswer`, and `closedWhileIdle` for a pooled connection found closed and passed
    /// over): for tests that prove a fault was met and ridden out, not avoided.
    var retried: [String: Int] { state.withLock { $0.retried } }

    /// How many times so far a connection was found lost or a statement had to be retried for a connection-level
    /// reason (the sum of ``retried``): a cache of what the database said must not outlive one, since a failover or
    /// a restart can lose commits the cache saw (and the server may then reuse their transaction ids).
    var interruptions: Int { state.withLock { $0.interruptions } }

    /// Connections the pool opened so far (not the wake-up listener's): for tests that prove the pool reuses them.
    var opened: Int { state.withLock { $0.opened } }

    /// - Parameter maximumConnections: how many connections statements share; a statement waits (within its retry
    ///   window) for one to be free. The wake-up listener and meter-binding locks hold connections of their own.
    init(address: PostgresAddress, retryWindow: TimeInterval, statementTimeoutSeconds: Int = 30, maximumConnections: Int = 16) throws(StoreError) {
        self.address = address
        self.retryWindow = retryWindow
        self.statementTimeoutSeconds = statementTimeoutSeconds
        self.maximumConnections = max(1, maximumConnections)
        self.permits = DispatchSemaphore(value: max(1, maximumConnections))
        var logger = Logger(label: "evflow.postgres")
        logger.logLevel = .critical
        self.logger = logger
        let tls: PostgresConnection.Configuration.TLS
        switch address.tls {
        case .disable:
            tls = .disable
        case .require, .verifyFull:
            var settings = TLSConfiguration.makeClientConfiguration()
            if address.tls == .require { settings.certificateVerification = .none }
            do {
                tls = .require(try NIOSSLContext(configuration: settings))
            } catch {
                throw StoreError(.unavailable, instanceID: nil, detail: "cannot set up TLS to the database \(address.redacted): \(error)")
            }
        }
        var configuration: PostgresConnection.Configuration
        if let directory = address.socketDirectory {
            configuration = .init(unixSocketPath: "\(directory)/.s.PGSQL.\(address.port)", username: address.user,
                                  password: address.password, database: address.database)
        } else {
            configuration = .init(host: address.host, port: address.port, username: address.user, password: address.password,
                                  database: address.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = [
            ("search_path", address.schema),
            ("statement_timeout", "\(statementTimeoutSeconds)s"),
            // Which schema's store a server connection belongs to, for an operator reading pg_stat_activity.
            ("application_name", "evflow/\(address.schema)"),
        ]
        self.configuration = configuration
    }

    /// Runs `body` on one connection, retrying on a fresh connection while the failure is transient and the retry
    /// window lasts. `body` may run more than once: it must be safe to repeat.
    /// - Parameter what: the operation, for the error (`load instance`, `claim lease`).
    /// - Parameter keepsConnection: `body` keeps the connection (an advisory lock on it): it is not put back in the pool.
    ///   Such a call takes no permit: it may wait on a lock for long, and the lock's holder needs permits to finish.
    /// - Parameter bounded: `false` for the lease housekeeping (renewals, releases), which must not queue behind the
    ///   runner threads' statements: a renewal that waited past the lease would lose every lease the worker holds.
    func perform<T>(_ what: String, instanceID: String?, window: TimeInterval? = nil, keepsConnection: Bool = false,
                    bounded: Bool = true, _ body: (PostgresConnection) throws -> T) throws(StoreError) -> T {
        let bounded = bounded && !keepsConnection
        let deadline = Date().addingTimeInterval(window ?? retryWindow)
        var pause: TimeInterval = 0.05
        var attempts = 0
        while true {
            attempts += 1
            // A pool that stays busy for the whole window is reported as such; the wait is at least a second, so a
            // best-effort statement (a NOTIFY) is not dropped by a moment's contention.
            let wait = max(deadline.timeIntervalSinceNow, 1)
            if bounded {
                guard permits.wait(timeout: .now() + wait) == .success else {
                    throw StoreError(.unavailable, instanceID: instanceID, detail: "cannot \(what): all \(maximumConnections) of this worker's connections to \(address.redacted) stayed busy for \(Int(wait.rounded(.up))) s; is a statement stuck behind a lock?")
                }
            }
            var connection: PostgresConnection?
            do {
                let open = try checkOut()
                connection = open
                let result = try body(open)
                if !keepsConnection { checkIn(open) }
                if bounded { permits.signal() }
                return result
            } catch {
                let transient = Self.isTransient(error)
                if let connection {
                    if transient || connection.isClosed { close(connection) } else { checkIn(connection) }
                }
                // Given back once the connection is back in the pool (or closed), so no other thread opens one meanwhile.
                if bounded { permits.signal() }
                if let error = error as? StoreError { throw error }
                guard transient else {
                    throw StoreError(.io, instanceID: instanceID, detail: "the database \(address.redacted) refused to \(what): \(Self.describe(error)); nothing was changed")
                }
                guard Date().addingTimeInterval(pause) < deadline else {
                    throw StoreError(.unavailable, instanceID: instanceID, detail: "cannot \(what): the database \(address.redacted) is unreachable after \(attempts) attempts (\(Self.describe(error))); check that PostgreSQL is running and accepts connections from this host")
                }
                let reason = Self.reason(error)
                state.withLock { state in
                    state.retried[reason, default: 0] += 1
                    state.interruptions += 1
                }
                Thread.sleep(forTimeInterval: pause)
                pause = min(pause * 2, 1)
            }
        }
    }

    /// Runs one statement and returns every row.
    func query(_ what: String, instanceID: String?, _ query: PostgresQuery) throws(StoreError) -> [PostgresRow] {
        try perform(what, instanceID: instanceID) { connection in try run(query, on: connection) }
    }

    /// Runs one statement on `connection` and waits for its rows. Every wait is bounded, without relying on
    /// postgres-nio to complete the statement's future:
    ///
    /// - a connection that closes while the statement waits (the server restarted or cut it off) fails it as
    ///   ``ConnectionLost`` within ``closedCheckInterval``: a statement written to a connection whose channel had
    ///   just closed (between the pool's check and the write) is dropped by NIO's pipeline, whose handlers are
    ///   gone, with its promise never completed, and the runner thread would wait for it for ever;
    /// - a server that stops answering (a partition without a reset) fails it as ``NoAnswer`` after the statement
    ///   timeout and ``answerGrace``, and the connection is closed.
    ///
    /// Both are retried by ``perform(_:instanceID:window:keepsConnection:_:)`` on a fresh connection.
    func run(_ query: PostgresQuery, on connection: PostgresConnection) throws -> [PostgresRow] {
        let answer = connection.eventLoop.makePromise(of: PostgresQueryResult.self)
        connection.query(query, logger: logger).cascade(to: answer)
        let seconds = statementTimeoutSeconds + Self.answerGrace
        let deadline = NIODeadline.now() + .seconds(Int64(seconds))
        let watchdog = connection.eventLoop.scheduleRepeatedTask(initialDelay: Self.closedCheckInterval, delay: Self.closedCheckInterval) { task in
            if connection.isClosed {
                answer.fail(ConnectionLost())
                task.cancel()
            } else if NIODeadline.now() >= deadline {
                answer.fail(NoAnswer(what: "a statement", seconds: seconds))
                connection.close().whenComplete { _ in _ = connection }
                task.cancel()
            }
        }
        defer { watchdog.cancel() }
        return Array(try answer.futureResult.wait())
    }

    /// How often a waiting statement checks that its connection is still open.
    static let closedCheckInterval = TimeAmount.milliseconds(250)

    /// The connection closed while a statement waited for its answer; retried on a fresh one.
    struct ConnectionLost: Error, CustomStringConvertible {
        var description: String { "the connection closed before the statement was answered" }
    }

    /// How long past the statement timeout a statement's answer is waited for, and how long making a connection
    /// (TCP, TLS, start-up and authentication) may take, in seconds.
    static let answerGrace = 15

    /// The database did not answer in time; the connection is closed and the statement retried.
    struct NoAnswer: Error, CustomStringConvertible {
        var what: String
        var seconds: Int
        var description: String { "no answer to \(what) within \(seconds) s" }
    }

    func close(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in _ = connection }
    }

    /// Closes every idle connection (the store is done).
    func shutdown() {
        let idle = state.withLock { state in
            defer { state.idle = [] }
            return state.idle
        }
        for connection in idle { close(connection) }
    }

    /// A new connection, without waiting (for the wake-up listener, which lives on the event loop).
    func connect() -> EventLoopFuture<PostgresConnection> {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        return PostgresConnection.connect(on: group.any(), configuration: configuration, id: id, logger: logger)
    }

    private func checkOut() throws -> PostgresConnection {
        let (reused, id) = state.withLock { state -> (PostgresConnection?, Int) in
            while let connection = state.idle.popLast() {
                if !connection.isClosed { return (connection, 0) }
                // Closed while idle (the server restarted or cut it off): passed over, as a retry would.
                state.retried["closedWhileIdle", default: 0] += 1
                state.interruptions += 1
            }
            defer { state.nextID += 1 }
            return (nil, state.nextID)
        }
        if let reused { return reused }
        // Bounded as a statement is (see run(_:on:)): connectTimeout covers only the TCP handshake, and a server
        // that accepts and then never finishes the start-up would otherwise hold this thread for ever.
        let loop = group.any()
        let connected = Self.withinAnswerGrace(PostgresConnection.connect(on: loop, configuration: configuration, id: id, logger: logger),
                                               what: "a new connection's start-up")
        let connection = try connected.wait()
        state.withLock { $0.opened += 1 }
        return connection
    }

    /// `opening`, failed as ``NoAnswer`` when it has not completed within ``answerGrace``; a connection that
    /// arrives after that is closed (its caller gave up on it, and nobody else would close it).
    static func withinAnswerGrace(_ opening: EventLoopFuture<PostgresConnection>, what: String) -> EventLoopFuture<PostgresConnection> {
        let loop = opening.eventLoop
        let bounded = loop.makePromise(of: PostgresConnection.self)
        let seconds = answerGrace
        let watchdog = loop.scheduleTask(in: .seconds(Int64(seconds))) {
            bounded.fail(NoAnswer(what: what, seconds: seconds))
        }
        opening.whenComplete { result in
            watchdog.cancel()
            switch result {
            case .success(let connection):
                bounded.succeed(connection)
                bounded.futureResult.whenFailure { _ in connection.close().whenComplete { _ in _ = connection } }
            case .failure(let error):
                bounded.fail(error)
            }
        }
        return bounded.futureResult
    }

    private func checkIn(_ connection: PostgresConnection) {
        let kept = state.withLock { state in
            guard !connection.isClosed, state.idle.count < maximumConnections else { return false }
            state.idle.append(connection)
            return true
        }
        if !kept { close(connection) }
    }

    // MARK: Errors

    /// The SQLSTATE of a server error, when it is one.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// Worth retrying on a fresh connection: the connection broke or could not be made, the server is restarting
    /// or shutting down, a statement timed out, or a transaction lost a serialization or deadlock conflict.
    static func isTransient(_ error: any Error) -> Bool {
        if let error = error as? PSQLError {
            if let state = error.serverInfo?[.sqlState] {
                return state.hasPrefix("08") || ["40001", "40P01", "57P01", "57P02", "57P03", "57014", "53300", "55P03"].contains(state)
            }
            return [.connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .messageDecodingFailure, .unexpectedBackendMessage].contains(error.code)
        }
        if error is StoreError { return false }
        if error is NoAnswer || error is ConnectionLost { return true }
        // NIO's connect and channel errors (refused, reset, timed out, closed).
        return error is IOError || error is ChannelError || error is NIOConnectionError || error is EventLoopError
            || String(describing: type(of: error)).contains("Connect")
    }

    /// A short name of a transient failure: its SQLSTATE, postgres-nio's error code, or the error's type.
    static func reason(_ error: any Error) -> String {
        if let state = sqlState(error) { return state }
        if let error = error as? PSQLError { return "\(error.code)" }
        return String(describing: type(of: error))
    }

    /// A server error's message and SQLSTATE, or the connection problem; never the password (postgres-nio's own
    /// description of its errors is a placeholder on purpose, and the server never echoes a password).
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        if let info = error.serverInfo, let message = info[.message] {
            return "\(message) (SQLSTATE \(info[.sqlState] ?? "?"))"
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }
}
