import CoreMetrics
import EvflowServer
import FlowEngine
import Foundation
import Testing

/// `/metrics` through swift-prometheus: every counter evflow defines is there from the start, at zero, with its
/// HELP and TYPE lines, beside the process metrics; the engine's increments land on those same series.
@Suite(.serialized)
struct ServerMetricsTests {
    /// One zero series of each counter evflow defines, as a fresh server running the shipped flow exports it.
    static let zeroSeries = [
        #"evflow_instances_started_total{flow="ev-charging"} 0"#,
        #"evflow_instances_succeeded_total{flow="ev-charging"} 0"#,
        #"evflow_instances_failed_total{flow="ev-charging"} 0"#,
        #"evflow_payment_call_errors_total{class="retryable",operation="capturePayment"} 0"#,
        #"evflow_payment_call_errors_total{class="permanent",operation="poll"} 0"#,
        #"evflow_amount_captured_minor_units_total{currency="NOK"} 0"#,
        #"evflow_amount_released_minor_units_total{currency="EUR"} 0"#,
        #"evflow_webhooks_total{outcome="delivered"} 0"#,
        #"evflow_webhooks_total{outcome="rejected"} 0"#,
        "evflow_payments_near_capture_deadline 0.0",
        "evflow_leases_held 0.0",
        "evflow_lease_takeovers 0.0",
        "evflow_lease_fencing_rejections 0.0",
    ]

    static let counters = [
        "evflow_instances_started_total", "evflow_instances_succeeded_total", "evflow_instances_failed_total",
        "evflow_payment_call_errors_total", "evflow_amount_captured_minor_units_total",
        "evflow_amount_released_minor_units_total", "evflow_webhooks_total",
    ]

    static let processMetrics = [
        "process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes", "process_open_fds",
        "process_max_fds", "process_start_time_seconds",
    ]

    /// Checks `text` (a `/metrics` body of a server that has done nothing yet) for every counter at zero with its
    /// HELP and TYPE lines, and for the process metrics with plausible values.
    static func expectEveryCounterAtZero(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = Set(text.split(separator: "\n").map(String.init))
        for name in counters {
            #expect(lines.contains { $0.hasPrefix("# HELP \(name) ") }, "no HELP line for \(name) in:\n\(text)", sourceLocation: sourceLocation)
            #expect(lines.contains("# TYPE \(name) counter"), "no TYPE line for \(name) in:\n\(text)", sourceLocation: sourceLocation)
        }
        for series in zeroSeries {
            #expect(lines.contains(series), "missing \(series) in:\n\(text)", sourceLocation: sourceLocation)
        }
        for name in processMetrics {
            #expect(lines.contains { $0.hasPrefix("# HELP \(name) ") }, "no HELP line for \(name) in:\n\(text)", sourceLocation: sourceLocation)
            #expect(lines.contains { $0.hasPrefix("\(name) ") }, "no \(name) sample in:\n\(text)", sourceLocation: sourceLocation)
        }
        let resident = lines.first { $0.hasPrefix("process_resident_memory_bytes ") }.flatMap { Double($0.split(separator: " ")[1]) }
        #expect((resident ?? 0) > 1_000_000, "resident memory \(resident ?? 0)", sourceLocation: sourceLocation)
        let started = lines.first { $0.hasPrefix("process_start_time_seconds ") }.flatMap { Double($0.split(separator: " ")[1]) }
        let now = Date().timeIntervalSince1970
        #expect(started.map { $0 > now - 86_400 && $0 <= now + 1 } == true, "process start time \(started ?? 0), now \(now)", sourceLocation: sourceLocation)
    }

    /// A shared store's leases reach `/metrics` as it counts them.
    @Test func leaseStatisticsAreExported() {
        let metrics = ServerMetrics()
        metrics.setLeaseStatistics(nil)
        metrics.setLeaseStatistics(LeaseStatistics(held: 3, takeovers: 2, fencingRejections: 1))
        let lines = Set(String(decoding: metrics.render(), as: UTF8.self).split(separator: "\n").map(String.init))
        for series in ["evflow_leases_held 3.0", "evflow_lease_takeovers 2.0", "evflow_lease_fencing_rejections 1.0"] {
            #expect(lines.contains(series), "missing \(series)")
        }
        #expect(lines.contains { $0.hasPrefix("# HELP evflow_leases_held ") })
    }

    @Test func aFreshRegistryHasEveryCounterAtZero() {
        let metrics = ServerMetrics()
        metrics.registerFlows(["ev-charging"])
        Self.expectEveryCounterAtZero(String(decoding: metrics.render(), as: UTF8.self))
    }

    @Test func theEnginesIncrementsLandOnTheZeroSeries() {
        let metrics = ServerMetrics()
        metrics.registerFlows(["ev-charging"])
        // What the engine's `Counter(label:dimensions:)` does once the factory is bootstrapped: the HELP text
        // registered at zero and the one the increment brings must agree (swift-prometheus stops the process if not).
        metrics.factory.makeCounter(label: FlowMetrics.startedLabel, dimensions: [("flow", "ev-charging")]).increment(by: 2)
        metrics.factory.makeCounter(label: FlowMetrics.capturedLabel, dimensions: [("currency", "NOK")]).increment(by: 7971)
        metrics.factory.makeTimer(label: FlowMetrics.stepDurationLabel, dimensions: [("flow", "ev-charging"), ("step", "meter")])
            .recordNanoseconds(90 * 60 * 1_000_000_000)
        // An instrument of another library goes to swift-prometheus's own factory.
        metrics.factory.makeCounter(label: "other_library_total", dimensions: []).increment(by: 1)
        let lines = Set(String(decoding: metrics.render(), as: UTF8.self).split(separator: "\n").map(String.init))
        #expect(lines.contains(#"evflow_instances_started_total{flow="ev-charging"} 2"#), "\(lines.sorted())")
        #expect(lines.contains(#"evflow_amount_captured_minor_units_total{currency="NOK"} 7971"#))
        #expect(lines.filter { $0.hasPrefix("# HELP evflow_instances_started_total") }.count == 1)
        #expect(lines.contains("# TYPE evflow_step_duration_seconds histogram"))
        #expect(lines.contains { $0.hasPrefix("# HELP evflow_step_duration_seconds ") })
        // A 90-minute step falls in the 4-hour bucket, not only +Inf: the buckets reach charging-session lengths.
        #expect(lines.contains(#"evflow_step_duration_seconds_bucket{flow="ev-charging",step="meter",le="14400.0"} 1"#), "\(lines.sorted())")
        #expect(lines.contains("other_library_total 1"))
    }
}
