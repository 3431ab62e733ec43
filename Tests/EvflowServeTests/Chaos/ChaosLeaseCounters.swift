/// What one `evflow serve` on a shared store reports on `/metrics` about leases: takeovers of other workers'
/// expired (or dead) leases, and its own saves refused by fencing. Summed over servers and incarnations.
struct ChaosLeaseCounters: Sendable, Equatable {
    var takeovers = 0
    var fencingRejections = 0

    init() {}

    /// From a `/metrics` body; `nil` when the lease series are missing.
    init?(metrics text: String) {
        var found: [String: Int] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[1]) else { continue }
            found[String(parts[0])] = Int(value)
        }
        guard let takeovers = found["evflow_lease_takeovers"], let fencing = found["evflow_lease_fencing_rejections"] else { return nil }
        self.takeovers = takeovers
        fencingRejections = fencing
    }

    static func + (left: ChaosLeaseCounters, right: ChaosLeaseCounters) -> ChaosLeaseCounters {
        var sum = left
        sum.takeovers += right.takeovers
        sum.fencingRejections += right.fencingRejections
        return sum
    }
}
