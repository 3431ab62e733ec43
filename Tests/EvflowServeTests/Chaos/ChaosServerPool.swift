import Foundation

/// The `evflow serve` processes of a campaign sharing one store: one for the file store's campaign, three on one
/// PostgreSQL database for `make chaos-pg`. The killer SIGKILLs a random one of them (never the zombie while it is spared)
/// and restarts it; the drivers spread their API calls over ``baseURLs``.
struct ChaosServerPool: Sendable {
    let servers: [ChaosServer]

    init(_ servers: [ChaosServer]) {
        precondition(!servers.isEmpty, "a pool needs a server")
        self.servers = servers
    }

    var baseURLs: [String] { servers.map(\.baseURL) }

    /// Starts every server and waits until each is healthy.
    func launchAll() async throws {
        for server in servers { try await server.launch() }
    }

    /// SIGKILLs so far, over every server.
    var kills: Int {
        get async {
            var total = 0
            for server in servers { total += await server.kills }
            return total
        }
    }

    /// Starts so far (restarts included), over every server.
    var launches: Int {
        get async {
            var total = 0
            for server in servers { total += await server.launches }
            return total
        }
    }

    /// Takeovers and fencing rejections over every server and incarnation (up to each one's last scrape).
    var leaseCounters: ChaosLeaseCounters {
        get async {
            var total = ChaosLeaseCounters()
            for server in servers { total = total + (await server.leaseCounters) }
            return total
        }
    }

    /// SIGKILLs a server at seeded moments and restarts it after a seeded downtime, until `injector` stops; with
    /// several servers the victim is drawn too, among those not spared (the zombie).
    func killRepeatedly(_ configuration: ChaosConfiguration, until injector: ChaosFaultInjector) async throws {
        var random = ChaosRandom(seed: configuration.seed, stream: 1)
        let began = ContinuousClock.now
        while !injector.isStopped {
            let wait = random.seconds(in: configuration.killInterval)
            let down = random.seconds(in: configuration.downtime)
            let pick = servers.count > 1 ? Int.random(in: 0..<servers.count, using: &random) : 0
            let until = ContinuousClock.now.advanced(by: wait)
            while ContinuousClock.now < until, !injector.isStopped { try await Task.sleep(for: .milliseconds(100)) }
            if injector.isStopped { break }
            var victim = servers[pick]
            if await victim.isSpared {
                guard let other = await firstRunning(after: pick) else { continue }
                victim = other
            }
            guard let pid = try await victim.killNowUnlessSpared() else { continue }
            let which = servers.count > 1 ? " of server \(servers.firstIndex { $0 === victim } ?? 0)" : ""
            print("chaos: SIGKILL #\(await kills) pid \(pid)\(which) at \(String(format: "%.1f", (ContinuousClock.now - began).secondsValue))s (drawn: after \(wait), down \(down))")
            try await Task.sleep(for: down)
            try await victim.launch()
        }
    }

    /// Scrapes every server's lease counters every `interval` until `injector` stops.
    func scrapeRepeatedly(every interval: Duration, until injector: ChaosFaultInjector) async {
        while !injector.isStopped {
            for server in servers { await server.scrapeLeaseCounters() }
            try? await Task.sleep(for: interval)
        }
    }

    /// SIGTERMs every server, as an operator stops them.
    func stopAll() async throws -> [(status: Int32, exitedNormally: Bool, output: String)] {
        var results: [(status: Int32, exitedNormally: Bool, output: String)] = []
        for server in servers { results.append(try await server.stopGracefully()) }
        return results
    }

    private func firstRunning(after index: Int) async -> ChaosServer? {
        for offset in 1..<max(2, servers.count) {
            let server = servers[(index + offset) % servers.count]
            if await !server.isSpared { return server }
        }
        return nil
    }
}
