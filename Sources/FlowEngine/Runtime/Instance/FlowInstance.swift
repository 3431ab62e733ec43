import Foundation

/// One running (or finished) flow: everything needed to continue it after a crash, in one JSON file.
///
/// Instances stay pinned to the definition they started with (name, version, content hash). The customer's
/// phone number is dropped from ``inputs`` as soon as the payment exists.
public struct FlowInstance: Codable, Sendable, Equatable {
    /// The definition an instance runs, pinned by content so later edits of the file do not change it.
    public struct PinnedDefinition: Codable, Sendable, Equatable {
        public var name: String
        public var version: Int
        public var contentHash: String
    }

    /// Why an instance failed, for operators.
    public struct Failure: Codable, Sendable, Equatable {
        /// A stable machine-readable code: one of the engine's (``FailureCode/engineCodes``) or the one a `fail`
        /// step names, for example `payment.notAuthorized`.
        public var code: FailureCode
        public var message: String
        /// The step where it happened.
        public var step: String?

        package init(code: FailureCode, message: String, step: String?) {
            self.code = code
            self.message = message
            self.step = step
        }
    }

    /// The caller-supplied id, for example the charging session id; path-safe (see ``InstanceID``).
    public var id: String
    public var flow: PinnedDefinition
    public var status: InstanceStatus
    public var createdAt: Date
    public var updatedAt: Date
    /// The step the instance is at; `nil` once finished.
    public var currentStep: String?
    /// When the next timer fires (retry backoff, poll, wait, timeout, deadline); `nil` when only a signal can
    /// move the instance.
    public var wakeAt: Date?
    /// The provider's view of the payment, once one exists.
    public var payment: PaymentSummary?
    public var failure: Failure?
    /// Set by `evflow cancel`: the operator's reason; the flow moves to its release path at the next step.
    public var cancellationRequest: String?
    /// What the `succeed` step produced.
    public var output: [String: Value]?
    /// Every capture, release and refund the provider confirmed for this instance (see ``MoneyLedger``); absent
    /// until money moves, and in files written before it existed.
    package var ledger: MoneyLedger?
    /// Refunds operators asked for, with their keys and outcomes (see ``OperatorRefund``); absent until one is.
    package var refunds: [OperatorRefund]?
    /// The timeline, oldest first; repetitions are folded into counted lines (``HistoryFolding``).
    public var history: [HistoryEntry]

    package var inputs: [String: Value]
    /// SHA-256 of the inputs as supplied, so a repeated start with the same inputs is recognised.
    package var inputDigest: String
    package var variables: [String: Value]
    package var stepOutputs: [String: [String: Value]]
    /// Records of the current and past step visits, newest last.
    package var steps: [StepRecord]
    /// Signals received and not yet used by a step, oldest first.
    package var pendingSignals: [ReceivedSignal]
    /// Every signal a step used, by name, for `signals.<name>` in expressions.
    package var consumedSignals: [String: [[String: Value]]]
    /// Ids of every signal ever received, to ignore duplicates.
    package var seenSignalIDs: Set<String>
    /// When each anchor was reached: `start` and the ids of completed steps, for deadlines.
    package var anchors: [String: Date]
    /// Deadlines that already fired.
    package var firedDeadlines: Set<String>
    /// What OCPP meter values told the instance so far (transaction, highest reading, last `seqNo`); absent until
    /// the first one, and in files written before meter values existed.
    package var meter: MeterState?

    package init(
        id: String, flow: PinnedDefinition, inputs: [String: Value], inputDigest: String,
        variables: [String: Value], start: String, at now: Date
    ) {
        self.id = id
        self.flow = flow
        self.status = .running
        self.createdAt = now
        self.updatedAt = now
        self.currentStep = start
        self.history = [HistoryEntry(at: now, step: nil, event: "started", detail: "flow \(flow.name) v\(flow.version)")]
        self.inputs = inputs
        self.inputDigest = inputDigest
        self.variables = variables
        self.stepOutputs = [:]
        self.steps = []
        self.pendingSignals = []
        self.consumedSignals = [:]
        self.seenSignalIDs = []
        self.anchors = ["start": now]
        self.firedDeadlines = []
    }

    /// The record of the visit to the current step, if the instance has entered it.
    package var currentRecord: StepRecord? {
        guard let currentStep, let last = steps.last, last.step == currentStep, last.completedAt == nil else { return nil }
        return last
    }

    package mutating func updateCurrentRecord(_ change: (inout StepRecord) -> Void) {
        guard let index = steps.indices.last, steps[index].step == currentStep else { return }
        change(&steps[index])
    }

    /// Adds a line to the timeline; a repetition of what the timeline ends with (another reading, another retry)
    /// is folded into the lines it repeats instead (``HistoryFolding``), so the file stops growing with them.
    package mutating func log(_ event: String, step: String? = nil, _ detail: String? = nil, at now: Date) {
        HistoryFolding.append(HistoryEntry(at: now, step: step, event: event, detail: detail), to: &history)
    }
}
