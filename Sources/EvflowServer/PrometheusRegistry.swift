import CoreMetrics
import Foundation
import Synchronization

/// A small in-process swift-metrics backend that renders the Prometheus text format (version 0.0.4) for
/// `GET /metrics`: counters, gauges (meters and non-aggregating recorders) and histograms (timers in seconds,
/// aggregating recorders).
package final class PrometheusRegistry: MetricsFactory, Sendable {
    /// The registry `evflow serve` bootstraps, once per process (swift-metrics allows one bootstrap).
    package static let shared: PrometheusRegistry = {
        let registry = PrometheusRegistry()
        MetricsSystem.bootstrap(registry)
        return registry
    }()

    /// Upper bounds of the histogram buckets, in seconds: from a fast HTTP call to a long charging session.
    static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400, 43200]

    fileprivate enum Kind: String { case counter, gauge, histogram }

    fileprivate struct Series {
        var value: Double = 0
        var bucketCounts: [UInt64] = Array(repeating: 0, count: PrometheusRegistry.buckets.count)
        var count: UInt64 = 0
    }

    private struct Family {
        var kind: Kind
        var series: [String: Series] = [:]
    }

    private let families = Mutex<[String: Family]>([:])

    package init() {}

    // MARK: Recording

    fileprivate func add(_ label: String, _ dimensions: [(String, String)], kind: Kind, _ update: (inout Series) -> Void) {
        let name = Self.sanitize(label)
        let key = Self.labels(dimensions)
        families.withLock { families in
            var family = families[name] ?? Family(kind: kind)
            update(&family.series[key, default: Series()])
            families[name] = family
        }
    }

    fileprivate func observe(_ label: String, _ dimensions: [(String, String)], _ value: Double) {
        add(label, dimensions, kind: .histogram) { series in
            series.value += value
            series.count += 1
            if let index = Self.buckets.firstIndex(where: { value <= $0 }) { series.bucketCounts[index] += 1 }
        }
    }

    // MARK: Rendering

    /// Every metric in the Prometheus text exposition format.
    package func render() -> String {
        let snapshot = families.withLock { $0 }
        var lines: [String] = []
        for (name, family) in snapshot.sorted(by: { $0.key < $1.key }) {
            lines.append("# TYPE \(name) \(family.kind.rawValue)")
            for (labels, series) in family.series.sorted(by: { $0.key < $1.key }) {
                switch family.kind {
                case .counter, .gauge:
                    lines.append("\(name)\(labels.isEmpty ? "" : "{\(labels)}") \(Self.format(series.value))")
                case .histogram:
                    var cumulative: UInt64 = 0
                    for (bound, count) in zip(Self.buckets, series.bucketCounts) {
                        cumulative += count
                        lines.append("\(name)_bucket{\(Self.join(labels, "le=\"\(Self.format(bound))\""))} \(cumulative)")
                    }
                    lines.append("\(name)_bucket{\(Self.join(labels, "le=\"+Inf\""))} \(series.count)")
                    lines.append("\(name)_sum\(labels.isEmpty ? "" : "{\(labels)}") \(Self.format(series.value))")
                    lines.append("\(name)_count\(labels.isEmpty ? "" : "{\(labels)}") \(series.count)")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func join(_ labels: String, _ extra: String) -> String { labels.isEmpty ? extra : "\(labels),\(extra)" }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    static func sanitize(_ label: String) -> String {
        String(label.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" ? $0 : "_" })
    }

    static func labels(_ dimensions: [(String, String)]) -> String {
        dimensions.sorted { $0.0 < $1.0 }.map { key, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(sanitize(key))=\"\(escaped)\""
        }.joined(separator: ",")
    }

    // MARK: MetricsFactory

    package func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        CounterHandle(registry: self, label: label, dimensions: dimensions)
    }

    package func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        CounterHandle(registry: self, label: label, dimensions: dimensions)
    }

    package func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        GaugeHandle(registry: self, label: label, dimensions: dimensions)
    }

    package func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        HistogramHandle(registry: self, label: label, dimensions: dimensions, aggregate: aggregate)
    }

    package func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        HistogramHandle(registry: self, label: label, dimensions: dimensions)
    }

    package func destroyCounter(_ handler: any CounterHandler) {}
    package func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    package func destroyMeter(_ handler: any MeterHandler) {}
    package func destroyRecorder(_ handler: any RecorderHandler) {}
    package func destroyTimer(_ handler: any TimerHandler) {}
}

/// A counter handle; all state lives in the registry.
private final class CounterHandle: CounterHandler, FloatingPointCounterHandler, Sendable {
    let registry: PrometheusRegistry
    let label: String
    let dimensions: [(String, String)]

    init(registry: PrometheusRegistry, label: String, dimensions: [(String, String)]) {
        self.registry = registry
        self.label = label
        self.dimensions = dimensions
    }

    func increment(by amount: Int64) { registry.add(label, dimensions, kind: .counter) { $0.value += Double(amount) } }
    func increment(by amount: Double) { registry.add(label, dimensions, kind: .counter) { $0.value += amount } }
    func reset() { registry.add(label, dimensions, kind: .counter) { $0.value = 0 } }
}

/// A gauge handle (meters, non-aggregating recorders).
private final class GaugeHandle: MeterHandler, Sendable {
    let registry: PrometheusRegistry
    let label: String
    let dimensions: [(String, String)]

    init(registry: PrometheusRegistry, label: String, dimensions: [(String, String)]) {
        self.registry = registry
        self.label = label
        self.dimensions = dimensions
    }

    func set(_ value: Int64) { set(Double(value)) }
    func set(_ value: Double) { registry.add(label, dimensions, kind: .gauge) { $0.value = value } }
    func increment(by amount: Double) { registry.add(label, dimensions, kind: .gauge) { $0.value += amount } }
    func decrement(by amount: Double) { registry.add(label, dimensions, kind: .gauge) { $0.value -= amount } }
}

/// A histogram handle (timers in seconds, aggregating recorders), or a gauge for a non-aggregating recorder.
private final class HistogramHandle: RecorderHandler, TimerHandler, Sendable {
    let registry: PrometheusRegistry
    let label: String
    let dimensions: [(String, String)]
    let aggregate: Bool

    init(registry: PrometheusRegistry, label: String, dimensions: [(String, String)], aggregate: Bool = true) {
        self.registry = registry
        self.label = label
        self.dimensions = dimensions
        self.aggregate = aggregate
    }

    func record(_ value: Int64) { record(Double(value)) }
    func record(_ value: Double) {
        if aggregate {
            registry.observe(label, dimensions, value)
        } else {
            registry.add(label, dimensions, kind: .gauge) { $0.value = value }
        }
    }
    func recordNanoseconds(_ duration: Int64) { registry.observe(label, dimensions, Double(duration) / 1e9) }
}
