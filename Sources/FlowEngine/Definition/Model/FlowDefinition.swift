/// A loaded, fully validated flow definition: typed inputs, a resolved step graph whose transitions all point at
/// existing steps, and type-checked expressions ready to evaluate.
///
/// Load definitions with ``FlowDefinitionLoader``. Instances pin ``name``, ``version`` and ``contentHash`` when they
/// start, so editing a file never changes a running session.
///
/// ```swift
/// let definition = try FlowDefinitionLoader().load(fileAt: URL(filePath: "flows/ev-charging.json"))
/// print(definition.name, definition.version, definition.contentHash)
/// ```
public struct FlowDefinition: Sendable {
    /// The flow's name, unique in a flows folder, for example `"ev-charging"`.
    public let name: String
    /// Increase it whenever the flow's behaviour changes.
    public let version: Int
    /// What the flow does, for operators.
    public let description: String
    /// The inputs an instance takes, in document order.
    public let inputs: [InputDeclaration]
    /// Lower-case hex SHA-256 of the file's canonical JSON (sorted keys, no whitespace), so layout-only edits keep
    /// the hash and any real change alters it.
    public let contentHash: String
    /// The file the definition was loaded from.
    public let file: String
    /// The file's canonical JSON, whose SHA-256 is ``contentHash``: what an instance's pin stores, kept from the
    /// load so that pinning stores exactly the definition that was validated (no second read of a file that may
    /// have changed since) and costs nothing per runtime (`evflow test` builds one per scenario).
    package let canonicalBytes: [UInt8]

    package let variables: [VariableDeclaration]
    package let signals: [SignalDeclaration]
    /// Steps in document order.
    package let steps: [Step]
    /// The id of the first step.
    package let start: String
    package let deadlines: [Deadline]
    /// How OCPP meter values become signals; `nil` when the flow takes none.
    package let meterValues: MeterValuesMapping?
    private let stepIndex: [String: Int]

    package init(
        name: String, version: Int, description: String, inputs: [InputDeclaration], variables: [VariableDeclaration],
        signals: [SignalDeclaration], steps: [Step], start: String, deadlines: [Deadline], canonicalBytes: [UInt8], file: String,
        meterValues: MeterValuesMapping? = nil
    ) {
        self.name = name
        self.version = version
        self.description = description
        self.inputs = inputs
        self.variables = variables
        self.signals = signals
        self.steps = steps
        self.start = start
        self.deadlines = deadlines
        self.canonicalBytes = canonicalBytes
        self.contentHash = JSONNode.contentHash(of: canonicalBytes)
        self.file = file
        self.meterValues = meterValues
        stepIndex = Dictionary(steps.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The step with `id`. Every transition of a loaded definition names an existing step.
    package func step(_ id: String) -> Step? {
        stepIndex[id].map { steps[$0] }
    }

    /// The signal declaration named `name`, to validate an incoming signal's payload.
    package func signal(_ name: String) -> SignalDeclaration? {
        signals.first { $0.name == name }
    }
}
