import Foundation

/// A PostgreSQL cluster of one test's own, from scripts/test-postgres.sh: for tests that restart the server
/// (`pg_ctl restart -m immediate`) or change server-wide settings, which would disturb every other test on the
/// shared cluster `make test` starts.
///
/// Starting one takes a second or two (initdb); the script installs PostgreSQL when it is missing. The script
/// starts the server without any of this process's descriptors: the server inheriting the one Foundation's
/// `Process` watches for a child's exit made every start and restart from a test hang.
///
/// ```swift
/// let cluster = try await ThrowawayPostgres.start("evflow-pg-fault")
/// try await cluster.restartImmediately()
/// await cluster.stop()
/// ```
package struct ThrowawayPostgres: Sendable {
    /// The folder the script made (data, socket, logs); removed by ``stop()``.
    package let folder: URL
    /// What the script's `env` file exports: the URL, pg_ctl's path, the data folder, the server's user.
    package let environment: [String: String]

    /// Whether tests that make a throwaway cluster run: PostgreSQL is installed, the shared test cluster is
    /// configured (`make test` installs PostgreSQL and sets `EVFLOW_TEST_POSTGRES_URL`), or
    /// `EVFLOW_REQUIRE_POSTGRES=1` asks for them (then a missing PostgreSQL fails them instead of skipping them).
    package static var isAvailable: Bool {
        let environment = ProcessInfo.processInfo.environment
        let configured = !(environment["EVFLOW_TEST_POSTGRES_URL"] ?? "").isEmpty || environment["EVFLOW_REQUIRE_POSTGRES"] == "1"
        let installed = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.isEmpty == false
        return configured || installed
    }

    /// Makes and starts a cluster in a new temporary folder named after `prefix`.
    /// - Throws: ``Failure`` with the script's output when it does not start.
    package static func start(_ prefix: String) async throws -> ThrowawayPostgres {
        let folder = try TemporaryFolder.make(prefix).appending(path: "cluster")
        let started = try await ChildProcess.run(URL(filePath: "/bin/bash"), [Repository.path("scripts/test-postgres.sh").path, "start", folder.path],
                                                 timeout: .seconds(180))
        guard started.status == 0 else {
            TemporaryFolder.remove(folder.deletingLastPathComponent())
            throw Failure("the throwaway PostgreSQL cluster did not start: \(started)")
        }
        var environment: [String: String] = [:]
        for line in try String(contentsOf: folder.appending(path: "env"), encoding: .utf8).split(separator: "\n") {
            let assignment = line.replacingOccurrences(of: "export ", with: "")
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            environment[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        return ThrowawayPostgres(folder: folder, environment: environment)
    }

    /// `postgres://evflow@127.0.0.1:<port>/evflow` (trusted on loopback, no password).
    package var url: String { environment["EVFLOW_TEST_POSTGRES_URL"] ?? "" }

    /// The server's TCP port.
    package var port: String { url.split(separator: ":").last.map { String($0.prefix { $0.isNumber }) } ?? "" }

    /// `pg_ctl restart -m immediate` (scripts/test-postgres.sh restart): the server stops without a checkpoint,
    /// as in a crash (every connection is cut), and starts again; returns once it accepts connections.
    package func restartImmediately() async throws {
        let restarted = try await ChildProcess.run(URL(filePath: "/bin/bash"), [Repository.path("scripts/test-postgres.sh").path, "restart", folder.path],
                                                   timeout: .seconds(120))
        guard restarted.status == 0 else { throw Failure("pg_ctl restart failed: \(restarted)") }
    }

    /// Runs `sql` with psql as the cluster's superuser `evflow`; the rows, one a line, columns separated by `|`.
    @discardableResult
    package func psql(_ sql: String) async throws -> String {
        // Beside the real pg_ctl (the one on the PATH may be a link to it).
        let psql = URL(filePath: environment["EVFLOW_TEST_PG_CTL"] ?? "/usr/bin/pg_ctl").resolvingSymlinksInPath().deletingLastPathComponent().appending(path: "psql")
        let ran = try await ChildProcess.run(psql, ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", port,
                                                    "-U", "evflow", "-d", "evflow", "-c", sql], timeout: .seconds(60))
        guard ran.status == 0 else { throw Failure("psql failed on \(sql.prefix(200)): \(ran)") }
        return ran.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the server (immediately: the data is thrown away) and removes the folder.
    package func stop() async {
        _ = try? await ChildProcess.run(URL(filePath: "/bin/bash"), [Repository.path("scripts/test-postgres.sh").path, "stop", folder.path],
                                        timeout: .seconds(60))
        TemporaryFolder.remove(folder.deletingLastPathComponent())
    }

    /// The cluster could not be started, restarted or queried.
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
        init(_ description: String) { self.description = description }
    }
}
