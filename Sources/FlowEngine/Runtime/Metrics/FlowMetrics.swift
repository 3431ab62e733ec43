import Metrics

/// The engine's swift-metrics instruments, named as Prometheus expects them.
///
/// They go to whatever `MetricsSystem` the process bootstrapped (`evflow serve` bootstraps a Prometheus text
/// registry); without a bootstrap they cost nothing.
package enum FlowMetrics {
    /// Instances created, by flow.
    package static let startedLabel = "evflow_instances_started_total"
    /// Instances that ended at a `succeed` step, by flow.
    package static let succeededLabel = "evflow_instances_succeeded_total"
    /// Instances that ended failed, by flow.
    package static let failedLabel = "evflow_instances_failed_total"
    /// Time from entering a step to completing it (flow clock), by flow and step.
    package static let stepDurationLabel = "evflow_step_duration_seconds"
    /// Payment calls (create, poll, capture, cancel, refund) that failed, by error class.
    package static let paymentErrorsLabel = "evflow_payment_call_errors_total"
    /// Money captured from customers, in minor units, by currency.
    package static let capturedLabel = "evflow_amount_captured_minor_units_total"
    /// Money released back to customers (cancelled), in minor units, by currency.
    package static let releasedLabel = "evflow_amount_released_minor_units_total"

    /// Counts one failed payment call.
    /// - Parameters:
    ///   - errorClass: the retry class (`retryable`, `maybeApplied`, `rateLimited`, `conflict`, `timeout`), or
    ///     `permanent` when no retry can help.
    ///   - operation: what was attempted, for example `capture` or `poll`.
    package static func paymentCallFailed(errorClass: String, operation: String) {
        Counter(label: paymentErrorsLabel, dimensions: [("class", errorClass), ("operation", operation)]).increment()
    }
}
