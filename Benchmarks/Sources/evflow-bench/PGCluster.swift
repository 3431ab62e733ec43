import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The `pg` suite's throwaway PostgreSQL cluster: `scripts/test-postgres.sh start` (fsync on, trust on loopback),
/// with `pg_stat_statements` loaded so round trips can be counted, and an admin connection to the `postgres`
/// database for the counters and for making each run's database. ``stop()`` deletes it.
///
/// Each engine run gets a database of its own, so the per-database counters (`pg_stat_database`,
/// `pg_stat_statements`) count that run's work alone, and nothing is inherited from the run before.
final class PGCluster: @unchecked Sendable {
    let directory: URL
    /// `postgres://evflow@127.0.0.1:PORT` (no database): trust auth, no password.
    let serverURL: String
    let host = "127.0.0.1"
    let port: Int
    private let environment: [String: String]
    private let script: String
    private var admin: PostgresConnection?
    private var stopped = false

    /// Starts the cluster in `directory` (which must not exist yet) and restarts it with `pg_stat_statements`.
    init(directory: URL, repository: URL) throws {
        self.directory = directory
        script = repository.appendingPathComponent("scripts/test-postgres.sh").path
        let started = try Self.run("/bin/bash", [script, "start", directory.path])
        guard started.status == 0 else {
            throw BenchError("scripts/test-postgres.sh start \(directory.path) exited \(started.status): \(started.output.suffix(800))")
        }
        environment = try Self.readEnvironment(directory.appendingPathComponent("env"))
        guard let url = environment["EVFLOW_TEST_POSTGRES_URL"], let components = URLComponents(string: url), let port = components.port else {
            throw BenchError("no EVFLOW_TEST_POSTGRES_URL in \(directory.path)/env")
        }
        self.port = port
        serverURL = "postgres://evflow@\(host):\(port)"
        // Statement counts need the library loaded at server start. The log goes to a file: the server must not
        // inherit the pipe pg_ctl's output is read from, or reading it would never end.
        let conf = directory.appendingPathComponent("data/postgresql.conf")
        let handle = try FileHandle(forWritingTo: conf)
        handle.seekToEndOfFile()
        // Four workers of 64 runner threads each, or DBOS's pool of C + 8, may each hold a connection per thread.
        handle.write(Data("shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track = all\npg_stat_statements.max = 10000\nmax_connections = 500\n".utf8))
        try handle.close()
        let restarted = try Self.run("/usr/bin/env", asServerUser([environment["EVFLOW_TEST_PG_CTL"] ?? "pg_ctl", "-D", environment["EVFLOW_TEST_PG_DATA"] ?? "", "-l", directory.appendingPathComponent("server.log").path, "-w", "-t", "60", "-m", "fast", "restart"]))
        guard restarted.status == 0 else { throw BenchError("pg_ctl restart exited \(restarted.status): \(restarted.output.suffix(800))") }
    }

    /// Runs a command to its exit (posix_spawn + waitpid) with its output in a file. Not Foundation's `Process`:
    /// it learns of a child's exit from a descriptor the child inherits, and the server the script starts keeps
    /// it open, so `waitUntilExit()` would never return.
    private static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-bench-pg-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log")
        defer { try? FileManager.default.removeItem(at: log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw BenchError("cannot start \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    /// `runuser -u postgres -- …` when the server runs as another user (we are root), the command itself otherwise.
    private func asServerUser(_ command: [String]) -> [String] {
        let user = environment["EVFLOW_TEST_PG_USER"] ?? ""
        return getuid() != 0 || user.isEmpty || user == "root" ? command : ["runuser", "-u", user, "--"] + command
    }

    private static func readEnvironment(_ file: URL) throws -> [String: String] {
        let text = try String(contentsOf: file, encoding: .utf8)
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("export ") {
            let pair = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1)
            if pair.count == 2 { values[String(pair[0])] = String(pair[1]) }
        }
        return values
    }

    /// Connects the admin connection and creates the `pg_stat_statements` view.
    func open() async throws {
        admin = try await connect(database: "postgres")
        try await execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    }

    func connect(database: String) async throws -> PostgresConnection {
        var logger = Logger(label: "evflow-bench.pg")
        logger.logLevel = .critical
        let configuration = PostgresConnection.Configuration(host: host, port: port, username: "evflow", password: nil, database: database, tls: .disable)
        return try await PostgresConnection.connect(configuration: configuration, id: Int.random(in: 1...Int.max), logger: logger)
    }

    /// The URL of `database` on this cluster.
    func url(_ database: String) -> String { "\(serverURL)/\(database)" }

    func createDatabase(_ name: String) async throws {
        try await execute(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
    }

    /// Drops a measured run's database and checkpoints, then pauses: so the next run does not share the cores with
    /// autovacuum of the rows this run left, or with the checkpoint of its dirty pages (the DBOS peer's runs at 256
    /// in flight leave the most). Every engine and the floor get the same quiet start.
    func retire(_ database: String) async throws {
        try await execute(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(database) WITH (FORCE)"))
        try await execute("CHECKPOINT")
        try await Task.sleep(for: .seconds(2))
    }

    func execute(_ query: PostgresQuery) async throws {
        guard let admin else { throw BenchError("the cluster's admin connection is not open") }
        _ = try await admin.query(query, logger: Logger(label: "evflow-bench.pg")).collect()
    }

    /// The counters a run of `database` is measured by.
    func counters(_ database: String) async throws -> PGCounters {
        guard let admin else { throw BenchError("the cluster's admin connection is not open") }
        let rows = try await admin.query("""
            SELECT coalesce((SELECT xact_commit FROM pg_stat_database WHERE datname = \(database)), 0)::bigint,
                   coalesce((SELECT xact_rollback FROM pg_stat_database WHERE datname = \(database)), 0)::bigint,
                   coalesce((SELECT sum(s.calls) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = \(database)), 0)::bigint,
                   coalesce((SELECT sum(s.calls) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
                             WHERE d.datname = \(database) AND s.query ~* '^\\s*(insert|update|delete|with)'), 0)::bigint,
                   coalesce((SELECT sum(s.calls) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
                             WHERE d.datname = \(database) AND s.query ~* '^\\s*(insert\\s+into\\s+instances|with\\s+created\\s+as)'), 0)::bigint,
                   (SELECT wal_sync FROM pg_stat_wal)::bigint
            """, logger: Logger(label: "evflow-bench.pg")).collect()
        guard let row = rows.first else { throw BenchError("no counters row") }
        let (commits, rollbacks, statements, writes, documentWrites, walSyncs) = try row.decode((Int64, Int64, Int64, Int64, Int64, Int64).self)
        return PGCounters(commits: commits, rollbacks: rollbacks, statements: statements, writeStatements: writes,
                          documentWrites: documentWrites, walSyncs: walSyncs, backendCPUSeconds: backendCPUSeconds() ?? 0)
    }

    /// The settings a reader needs beside the figures.
    func settings() async throws -> [String: String] {
        guard let admin else { throw BenchError("the cluster's admin connection is not open") }
        let rows = try await admin.query("""
            SELECT name, setting || coalesce(unit, '') FROM pg_settings
            WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method', 'shared_buffers', 'max_connections', 'wal_level', 'commit_delay', 'full_page_writes', 'server_version')
            """, logger: Logger(label: "evflow-bench.pg")).collect()
        var settings: [String: String] = [:]
        for row in rows {
            let (name, value) = try row.decode((String, String).self)
            settings[name] = value
        }
        return settings
    }

    /// CPU seconds of the server's exited children (backends of closed connections): the postmaster's
    /// cutime + cstime from /proc. Read after a run's connections closed.
    func backendCPUSeconds() -> Double? {
        guard let pidText = try? String(contentsOf: directory.appendingPathComponent("data/postmaster.pid"), encoding: .utf8),
              let pid = pidText.split(separator: "\n").first.flatMap({ Int32($0) }),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 14, let user = Double(fields[13]), let system = Double(fields[14]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Closes the admin connection and stops and deletes the cluster (idempotent).
    func stop() async {
        if let admin { try? await admin.close() }
        admin = nil
        stopSynchronously()
    }

    /// Stops and deletes the cluster without the admin connection's goodbye: for `defer` and error paths.
    func stopSynchronously() {
        guard !stopped else { return }
        stopped = true
        _ = try? Self.run("/bin/bash", [script, "stop", directory.path])
    }

    deinit { stopSynchronously() }
}

/// What PostgreSQL counted for one database (and the cluster's WAL syncs and backend CPU) at a moment.
struct PGCounters: Sendable {
    /// Committed transactions, read-only ones included (every autocommit statement is one).
    var commits: Int64
    var rollbacks: Int64
    /// Statements executed (`pg_stat_statements` calls): with the extended protocol, one round trip each.
    var statements: Int64
    /// Of those, INSERT, UPDATE, DELETE and WITH (evflow's writes all start so).
    var writeStatements: Int64
    /// Of those, evflow's creates and saves of an instance (`INSERT INTO instances`, `WITH created AS`): the writes
    /// that carry a document; the others (leases, the inbox) write a small row.
    var documentWrites: Int64
    /// WAL fsyncs, cluster-wide (`pg_stat_wal.wal_sync`): PostgreSQL's group commit shares one among commits.
    var walSyncs: Int64
    var backendCPUSeconds: Double

    /// `after - self`, per flow.
    func perFlow(until after: PGCounters, flows: Int) -> PGCost {
        let count = Double(max(1, flows))
        return PGCost(
            commits: Double(after.commits - commits) / count,
            rollbacks: Double(after.rollbacks - rollbacks) / count,
            roundTrips: Double(after.statements - statements) / count,
            writeStatements: Double(after.writeStatements - writeStatements) / count,
            documentWrites: Double(after.documentWrites - documentWrites) / count,
            walSyncs: Double(after.walSyncs - walSyncs) / count,
            databaseCPUSeconds: (after.backendCPUSeconds - backendCPUSeconds) / count)
    }
}

/// A run's database work per flow.
struct PGCost: Sendable {
    var commits: Double
    var rollbacks: Double
    var roundTrips: Double
    var writeStatements: Double
    var documentWrites: Double
    var walSyncs: Double
    /// CPU of the database backends that served the run (they exit when its connections close).
    var databaseCPUSeconds: Double
    /// CPU of the engine's processes (evflow workers, the DBOS process, or this process for the floor), when known.
    var engineCPUSeconds: Double?
}
