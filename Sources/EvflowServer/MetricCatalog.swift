import EPayment
import FlowEngine

/// Every metric evflow defines, with the HELP text `/metrics` prints for it and the label values whose series it
/// exports at zero before anything has happened (so a dashboard or an alert sees `0`, not "no data").
///
/// The engine's instruments are named in ``FlowMetrics``; this adds what Prometheus needs to describe them.
enum MetricCatalog {
    /// Webhook deliveries, by what the server did with them (``WebhookRoutes``).
    static let webhooksLabel = "evflow_webhooks_total"

    /// A gauge, set on each scrape from ``CaptureDeadlineWatch``: alert on it above 0, since the provider cancels
    /// those payments at their deadline and the money is lost to the merchant.
    static let nearCaptureDeadlineLabel = "evflow_payments_near_capture_deadline"
    static let nearCaptureDeadlineHelp = "Payments still holding the customer's money (authorized, not captured or released) within 48 hours of the provider's capture deadline, or past it."

    /// A shared (PostgreSQL) store's leases, set on each scrape from ``InstanceStore/leaseStatistics``; always 0 on
    /// the file store. Takeovers and fencing rejections count since this process started.
    static let leasesHeldLabel = "evflow_leases_held"
    static let leasesHeldHelp = "Instance leases this worker holds now (instances it is running), on a shared PostgreSQL store."
    static let leaseTakeoversLabel = "evflow_lease_takeovers"
    static let leaseTakeoversHelp = "Expired leases of other workers this worker took over since it started (a worker stopped renewing)."
    static let fencingRejectionsLabel = "evflow_lease_fencing_rejections"
    static let fencingRejectionsHelp = "Saves refused since this worker started because another worker had taken the instance over (this worker was paused or cut off past its lease)."

    /// The HELP text of each counter and histogram, by name.
    static let help: [String: String] = [
        FlowMetrics.startedLabel: "Flow instances created, by flow.",
        FlowMetrics.succeededLabel: "Flow instances that ended at a succeed step, by flow.",
        FlowMetrics.failedLabel: "Flow instances that ended failed, by flow.",
        FlowMetrics.stepDurationLabel: "Time from entering a step to completing it, on the flow clock, by flow and step.",
        FlowMetrics.paymentErrorsLabel: "Payment provider calls that failed, by retry class and operation.",
        FlowMetrics.capturedLabel: "Money captured from customers, in minor units, by currency.",
        FlowMetrics.releasedLabel: "Money released back to customers (cancelled reservations), in minor units, by currency.",
        webhooksLabel: "ePayment webhook deliveries, by outcome.",
    ]

    /// The counters with a `flow` label: one zero series per flow the server runs.
    static let flowCounters = [FlowMetrics.startedLabel, FlowMetrics.succeededLabel, FlowMetrics.failedLabel]

    /// The counters whose label values are known in advance, each with every label set it can report.
    static let fixedCounters: [(name: String, labels: [[(String, String)]])] = [
        (FlowMetrics.paymentErrorsLabel, paymentErrorClasses.flatMap { errorClass in
            paymentOperations.map { [("class", errorClass), ("operation", $0)] }
        }),
        (FlowMetrics.capturedLabel, currencies.map { [("currency", $0)] }),
        (FlowMetrics.releasedLabel, currencies.map { [("currency", $0)] }),
        (webhooksLabel, webhookOutcomes.map { [("outcome", $0)] }),
    ]

    /// `class` of a failed payment call: the retry classes, or `permanent` when no retry can help.
    static let paymentErrorClasses = StepRetryPolicy.ErrorClass.allCases.map(\.rawValue) + ["permanent"]

    /// `operation` of a failed payment call: the provider operation, or `poll` for the authorization poll.
    static let paymentOperations = [
        EPaymentOperation.accessToken, .createPayment, .getPayment, .getPaymentEventLog, .capturePayment, .cancelPayment,
        .refundPayment,
    ].map(\.rawValue) + ["poll"]

    /// The currencies the ePayment API takes.
    static let currencies = ["NOK", "DKK", "EUR"]

    /// Every `outcome` of ``WebhookRoutes``: its receipts, and the refusals before one.
    static let webhookOutcomes = ["delivered", "duplicate", "ignored", "unknownReference", "foreignMerchant", "unreadable", "rejected", "unconfigured"]

    /// Histogram buckets of ``FlowMetrics/stepDurationLabel``: from a fast provider call to a long charging session.
    static let stepDurationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        .seconds(300), .seconds(900), .seconds(3600), .seconds(14_400), .seconds(43_200),
    ]
}
