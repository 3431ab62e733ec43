import EvflowServer
import Metrics

extension ServerMetrics {
    /// The metrics backend of the whole test process, bootstrapped on first use. swift-metrics takes one bootstrap
    /// per process, so every in-process server renders this one registry, whichever test starts first; a test that
    /// needs a fresh registry runs the built `evflow serve` instead.
    static let bootstrappedForTests: ServerMetrics = {
        let metrics = ServerMetrics()
        MetricsSystem.bootstrap(metrics.factory)
        return metrics
    }()
}
