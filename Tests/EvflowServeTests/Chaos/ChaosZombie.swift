import EvflowTestSupport
import Foundation

/// The zombie of `make chaos-pg`: one `evflow serve` SIGSTOPped while it runs instances (it holds their leases),
/// kept stopped past its lease until another worker has taken at least one of them over, then SIGCONTed. What it
/// then tries to save about those instances must be refused (fencing), and the worker that took them over finishes
/// them; the ledger's verdict shows whether a late save or a repeated payment call got through.
///
/// Which leases it holds is read from the database (`leases.owner` is `host/pid`), so an episode counts only when
/// the stopped process really held one; an episode whose late saves all happened to be done (nothing left to save
/// after the takeover) is repeated, up to ``maximumEpisodes``.
struct ChaosZombie {
    /// What the episodes did, for the summary line.
    struct Report: Sendable, CustomStringConvertible {
        var episodes = 0
        var pid: Int32 = 0
        var server = 0
        /// Leases it held when stopped, over the episodes.
        var held = 0
        /// Of those, taken over by another worker while it was stopped.
        var takenOver = 0
        var stoppedSeconds = 0.0
        /// Its own fencing rejections after it was resumed, from its `/metrics`.
        var fencingRejections = 0

        /// It was stopped holding a lease that another worker took over meanwhile.
        var ran: Bool { takenOver > 0 }

        var description: String {
            "zombie: server \(server) pid \(pid), \(episodes) episode(s), stopped \(String(format: "%.1f", stoppedSeconds))s holding \(held) lease(s), "
                + "\(takenOver) taken over meanwhile, \(fencingRejections) of its saves fenced after SIGCONT"
        }
    }

    static let maximumEpisodes = 3

    let cluster: ThrowawayPostgres
    let leaseSeconds: Double

    /// Runs episodes on `server` until one of the zombie's late saves was fenced, or ``maximumEpisodes``.
    func run(_ server: ChaosServer, index: Int) async throws -> Report {
        var report = Report(server: index)
        while report.episodes < Self.maximumEpisodes && report.fencingRejections == 0 {
            report.episodes += 1
            try await episode(server, into: &report)
        }
        await server.unspare()
        return report
    }

    private func episode(_ server: ChaosServer, into report: inout Report) async throws {
        // Stop it at a moment it holds a lease: try for up to 30 s, a short stop at a time.
        var held: [String: String] = [:]
        var pid: Int32 = 0
        let looking = ContinuousClock.now
        while held.isEmpty, ContinuousClock.now - looking < .seconds(30) {
            guard let stopped = await server.pause() else {
                try await Task.sleep(for: .milliseconds(200))
                continue
            }
            pid = stopped
            held = try await leases(of: pid)
            if held.isEmpty {
                await server.resume()
                try await Task.sleep(for: .milliseconds(150))
            }
        }
        guard !held.isEmpty else {
            print("chaos: zombie episode \(report.episodes): server \(report.server) held no lease while stopped in 30 s")
            return
        }
        let stoppedAt = ContinuousClock.now
        report.pid = pid
        report.held += held.count
        print("chaos: zombie episode \(report.episodes): SIGSTOP pid \(pid) (server \(report.server)) holding \(held.keys.sorted())")
        let before = await server.leaseCounters
        // Past its lease, and until another worker has taken one of its instances over (at most 20 s more). Resumed
        // on every path: a cancelled or failed wait must not leave a stopped server behind.
        var takenOver = 0
        do {
            try await Task.sleep(for: .seconds(leaseSeconds * 2 + 1))
            while ContinuousClock.now - stoppedAt < .seconds(leaseSeconds * 2 + 20) {
                let now = try await tokens(of: Array(held.keys))
                takenOver = held.count { now[$0.key] != $0.value }
                if takenOver > 0 { break }
                try await Task.sleep(for: .milliseconds(250))
            }
        } catch {
            await server.resume()
            throw error
        }
        await server.resume()
        report.stoppedSeconds += (ContinuousClock.now - stoppedAt).secondsValue
        report.takenOver += takenOver
        print("chaos: zombie episode \(report.episodes): SIGCONT pid \(pid) after \(String(format: "%.1f", (ContinuousClock.now - stoppedAt).secondsValue))s; \(takenOver) of \(held.count) taken over meanwhile")
        // Its late saves are refused as it goes on: watch its own counter for a while.
        let watching = ContinuousClock.now
        while ContinuousClock.now - watching < .seconds(10) {
            await server.scrapeLeaseCounters()
            let fenced = await server.leaseCounters.fencingRejections - before.fencingRejections
            if fenced > 0 {
                report.fencingRejections += fenced
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// The leases process `pid` of this host holds: instance id → claim token.
    private func leases(of pid: Int32) async throws -> [String: String] {
        try await rows("SELECT instance_id, token FROM leases WHERE token IS NOT NULL AND owner LIKE '%/\(pid)'")
    }

    /// The current claim token of each of `ids` (absent: released).
    private func tokens(of ids: [String]) async throws -> [String: String] {
        let list = ids.map { "'\($0.replacingOccurrences(of: "'", with: "''"))'" }.joined(separator: ",")
        return try await rows("SELECT instance_id, token FROM leases WHERE token IS NOT NULL AND instance_id IN (\(list))")
    }

    private func rows(_ sql: String) async throws -> [String: String] {
        var found: [String: String] = [:]
        for line in try await cluster.psql(sql).split(separator: "\n") {
            let columns = line.split(separator: "|", maxSplits: 1)
            if columns.count == 2 { found[String(columns[0])] = String(columns[1]) }
        }
        return found
    }
}
