import CoreMetrics
import Prometheus

/// swift-prometheus's `PrometheusMetricsFactory`, except that evflow's own instruments are made with their HELP
/// text (``MetricCatalog/help``) and the step-duration buckets.
///
/// The library's factory registers every swift-metrics instrument with an empty HELP text, and its registry stops
/// the process when one name is registered with two different texts. ``ServerMetrics`` registers evflow's counters
/// at zero, with their text, before the engine first increments one, so the engine's increments must arrive
/// with the same text; everything else (other libraries' instruments) goes to the library's factory unchanged.
struct DescribedMetricsFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    private let library: PrometheusMetricsFactory

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        library = PrometheusMetricsFactory(registry: registry)
    }

    /// The name and HELP text of one of evflow's instruments, or `nil` for any other label.
    static func descriptor(_ label: String) -> MetricNameDescriptor? {
        MetricCatalog.help[label].map { MetricNameDescriptor(metricName: label, unitName: "", helpText: $0) }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        guard let descriptor = Self.descriptor(label) else { return library.makeCounter(label: label, dimensions: dimensions) }
        return registry.makeCounter(descriptor: descriptor, labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        guard let descriptor = Self.descriptor(label) else { return library.makeFloatingPointCounter(label: label, dimensions: dimensions) }
        return registry.makeCounter(descriptor: descriptor, labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        guard let descriptor = Self.descriptor(label) else { return library.makeTimer(label: label, dimensions: dimensions) }
        return registry.makeDurationHistogram(descriptor: descriptor, labels: dimensions, buckets: MetricCatalog.stepDurationBuckets)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        library.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        library.makeMeter(label: label, dimensions: dimensions)
    }

    func destroyCounter(_ handler: any CounterHandler) { library.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { library.destroyFloatingPointCounter(handler) }
    func destroyTimer(_ handler: any TimerHandler) { library.destroyTimer(handler) }
    func destroyRecorder(_ handler: any RecorderHandler) { library.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { library.destroyMeter(handler) }
}
