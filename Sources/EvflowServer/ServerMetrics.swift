import CoreMetrics
import FlowEngine
import Prometheus

/// What `GET /metrics` exports: a swift-prometheus registry in which every counter evflow defines is registered
/// at zero, with its HELP and TYPE lines, from the start, and the process metrics (``ProcessMetrics``).
///
/// swift-metrics has one backend per process, bootstrapped once, and that is the executable's choice: the
/// library never bootstraps it. `evflow serve` makes one of these, bootstraps ``factory``, and gives it to
/// ``EvflowServer``, which renders ``registry``:
///
/// ```swift
/// let metrics = ServerMetrics()
/// MetricsSystem.bootstrap(metrics.factory)
/// let server = EvflowServer(runtime: runtime, configuration: configuration, metrics: metrics, logger: logger)
/// ```
package struct ServerMetrics: Sendable {
    /// The metrics `/metrics` renders.
    package let registry: PrometheusCollectorRegistry
    private let process: ProcessMetrics
    private let nearCaptureDeadline: Prometheus.Gauge
    /// A shared store's leases (``InstanceStore/leaseStatistics``), set on each scrape; zero for the file store.
    private let leasesHeld: Prometheus.Gauge
    private let leaseTakeovers: Prometheus.Gauge
    private let fencingRejections: Prometheus.Gauge

    /// A registry with evflow's counters at zero (each label value known in advance: error classes and
    /// operations, currencies, webhook outcomes) and the process metrics. Counters by flow get their zero series
    /// from ``registerFlows(_:)``.
    package init() {
        registry = PrometheusCollectorRegistry()
        process = ProcessMetrics(registry: registry)
        nearCaptureDeadline = registry.makeGauge(descriptor: MetricNameDescriptor(
            metricName: MetricCatalog.nearCaptureDeadlineLabel, unitName: "", helpText: MetricCatalog.nearCaptureDeadlineHelp))
        nearCaptureDeadline.set(to: 0)
        leasesHeld = Self.zeroGauge(registry, MetricCatalog.leasesHeldLabel, MetricCatalog.leasesHeldHelp)
        leaseTakeovers = Self.zeroGauge(registry, MetricCatalog.leaseTakeoversLabel, MetricCatalog.leaseTakeoversHelp)
        fencingRejections = Self.zeroGauge(registry, MetricCatalog.fencingRejectionsLabel, MetricCatalog.fencingRejectionsHelp)
        for (name, labelSets) in MetricCatalog.fixedCounters {
            for labels in labelSets { register(name, labels) }
        }
    }

    /// The swift-metrics backend to bootstrap, once per process: it records into ``registry``.
    package var factory: any MetricsFactory { DescribedMetricsFactory(registry: registry) }

    /// Registers the per-flow counters (started, succeeded, failed) at zero for each of `flows`; a series that
    /// exists already keeps its value.
    package func registerFlows(_ flows: [String]) {
        for name in MetricCatalog.flowCounters {
            for flow in flows { register(name, [("flow", flow)]) }
        }
    }

    /// Sets the gauge of payments still holding money within 48 hours of their capture deadline.
    package func setPaymentsNearCaptureDeadline(_ count: Int) {
        nearCaptureDeadline.set(to: Double(count))
    }

    /// Sets the lease gauges from a shared store's counts (nothing for a store without leases).
    package func setLeaseStatistics(_ statistics: LeaseStatistics?) {
        guard let statistics else { return }
        leasesHeld.set(to: Double(statistics.held))
        leaseTakeovers.set(to: Double(statistics.takeovers))
        fencingRejections.set(to: Double(statistics.fencingRejections))
    }

    /// The Prometheus text exposition (format 0.0.4) of every metric, with the process metrics read just now.
    package func render() -> [UInt8] {
        process.update()
        return registry.emitToBuffer()
    }

    private static func zeroGauge(_ registry: PrometheusCollectorRegistry, _ name: String, _ help: String) -> Prometheus.Gauge {
        let gauge = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help))
        gauge.set(to: 0)
        return gauge
    }

    private func register(_ name: String, _ labels: [(String, String)]) {
        guard let descriptor = DescribedMetricsFactory.descriptor(name) else { return }
        _ = registry.makeCounter(descriptor: descriptor, labels: labels)
    }
}
