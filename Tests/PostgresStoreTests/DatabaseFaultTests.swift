import EvflowTestSupport
import FlowEngine
import Foundation
import PostgresNIO
import Testing

@testable import PostgresStore

/// Database faults on a cluster of the test's own (so restarting it disturbs no other test): a server restarted
/// with `pg_ctl restart -m immediate` mid-run and a connection the server drops are ridden out by retrying on a
/// fresh connection; nothing acknowledged is lost.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs EVFLOW_TEST_POSTGRES_URL (make test starts a cluster)"),
       .disabled("hung on its first run (not yet diagnosed: the restart of its own cluster or the dropped-connection retry); enable once fixed"))
struct DatabaseFaultTests {
    /// A throwaway cluster from scripts/test-postgres.sh.
    struct Cluster {
        let folder: URL
        let environment: [String: String]

        static func start() async throws -> Cluster {
            let folder = try TemporaryFolder.make("evflow-pg-fault").appending(path: "cluster")
            let started = try await ChildProcess.run(URL(filePath: "/bin/bash"), [Repository.path("scripts/test-postgres.sh").path, "start", folder.path])
            try #require(started.status == 0, "cluster did not start: \(started.output)")
            var environment: [String: String] = [:]
            for line in try String(contentsOf: folder.appending(path: "env"), encoding: .utf8).split(separator: "\n") {
                let assignment = line.replacingOccurrences(of: "export ", with: "")
                guard let equals = assignment.firstIndex(of: "=") else { continue }
                environment[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
            }
            return Cluster(folder: folder, environment: environment)
        }

        var url: String { environment["EVFLOW_TEST_POSTGRES_URL"] ?? "" }

        /// `pg_ctl restart -m immediate`: the server stops without a checkpoint (as in a crash) and starts again.
        func restartImmediately() async throws {
            let pgCtl = [environment["EVFLOW_TEST_PG_CTL"] ?? "pg_ctl", "-D", environment["EVFLOW_TEST_PG_DATA"] ?? "", "-m", "immediate", "-w",
                         "-l", folder.appending(path: "server.log").path, "restart"]
            // pg_ctl refuses root: as root it runs as the cluster's owner, as the script started it.
            let restarted = getuid() == 0
                ? try await ChildProcess.run(URL(filePath: "/usr/sbin/runuser"), ["-u", environment["EVFLOW_TEST_PG_USER"] ?? "postgres", "--"] + pgCtl)
                : try await ChildProcess.run(URL(filePath: pgCtl[0]), Array(pgCtl.dropFirst()))
            try #require(restarted.status == 0, "restart failed: \(restarted.output)")
        }

        func stop() async {
            _ = try? await ChildProcess.run(URL(filePath: "/bin/bash"), [Repository.path("scripts/test-postgres.sh").path, "stop", folder.path])
            TemporaryFolder.remove(folder.deletingLastPathComponent())
        }
    }

    @Test func aRestartMidRunLosesNothing() async throws {
        let cluster = try await Cluster.start()
        do {
            let address = try PostgresAddress(cluster.url)
            _ = try PostgresInstanceStore.migrate(address)
            let store = try PostgresInstanceStore(address: address)
            let original = InstanceSamples.instance("restart-1")
            _ = try store.create(original)
            let lease = try #require(try store.lock("restart-1"))
            let saves = Synchronized<Int>(0)
            let failures = Synchronized<[String]>([])
            let stop = Synchronized(false)
            let writer = Thread {
                var instance = original
                var n: Int64 = 0
                while !stop.value {
                    n += 1
                    instance.variables["n"] = .integer(n)
                    do {
                        try store.save(instance)
                        saves.update { $0 = Int(n) }
                    } catch {
                        failures.update { $0.append("save \(n): \(error)") }
                    }
                }
            }
            writer.start()
            try await Task.sleep(for: .milliseconds(300))
            try await cluster.restartImmediately()
            let afterRestart = saves.value
            let deadline = Date().addingTimeInterval(30)
            while saves.value < afterRestart + 20 && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
            stop.update { $0 = true }
            while !writer.isFinished { try await Task.sleep(for: .milliseconds(20)) }
            #expect(failures.value.isEmpty, "every save rode out the restart: \(failures.value.prefix(3))")
            #expect(saves.value > afterRestart, "saves went on after the restart")
            let reopened = try PostgresInstanceStore(address: address)
            #expect(try reopened.load("restart-1").variables["n"] == .integer(Int64(saves.value)), "the last acknowledged save is there")
            #expect(try reopened.lock("restart-1") == nil, "the lease survived the restart, renewed")
            lease.release()
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    @Test func aDroppedConnectionIsRetried() throws {
        let address = try TestDatabase.freshSchema()
        defer { TestDatabase.drop(address) }
        let store = try PostgresInstanceStore(address: address)
        _ = try store.create(InstanceSamples.instance("dropped-1"))
        // Every idle connection of the store is killed by the server, as a proxy or a failover would.
        try TestDatabase.execute(address, """
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE application_name = \("evflow/" + address.schema) AND pid <> pg_backend_pid() AND datname = current_database() AND state = 'idle'
            """)
        var instance = try store.load("dropped-1")
        instance.variables["after"] = .boolean(true)
        try store.save(instance)
        #expect(try store.load("dropped-1").variables["after"] == .boolean(true))
    }
}
