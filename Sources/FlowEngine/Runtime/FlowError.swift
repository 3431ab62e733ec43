/// An engine operation was refused or failed, with the flow, instance and step it concerns and what to do.
public struct FlowError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String {
            case unknownFlow, invalidInstanceID, invalidInput, conflictingStart, unknownInstance, unknownSignal
            case invalidSignal, definitionChanged, definitionMissing, finished, locked
            case alreadyApplied, outcomeNotSaved, unconfirmed, refundUnsettled
        }
        fileprivate let base: Base
        /// No definition with that name is loaded.
        public static let unknownFlow = Code(base: .unknownFlow)
        /// The instance id is not path-safe.
        public static let invalidInstanceID = Code(base: .invalidInstanceID)
        /// The inputs do not match the definition.
        public static let invalidInput = Code(base: .invalidInput)
        /// An instance with this id exists with different inputs or another flow.
        public static let conflictingStart = Code(base: .conflictingStart)
        /// No instance with that id.
        public static let unknownInstance = Code(base: .unknownInstance)
        /// The definition declares no signal with that name.
        public static let unknownSignal = Code(base: .unknownSignal)
        /// The signal's data does not match its declared fields.
        public static let invalidSignal = Code(base: .invalidSignal)
        /// The definition file changed between loading and pinning. No longer raised: an instance now pins the bytes
        /// its definition was loaded and validated from, so an edit after loading cannot come between; kept so that
        /// code switching over codes keeps compiling.
        @available(*, deprecated, message: "never raised: instances pin the definition as it was loaded")
        public static let definitionChanged = Code(base: .definitionChanged)
        /// A running instance's pinned definition is not stored.
        public static let definitionMissing = Code(base: .definitionMissing)
        /// The instance has already finished.
        public static let finished = Code(base: .finished)
        /// Another runner holds the instance.
        public static let locked = Code(base: .locked)
        /// An operator asked to run a money step again whose money already moved; refused unless overridden
        /// with a reason (`--rerun-completed`).
        public static let alreadyApplied = Code(base: .alreadyApplied)
        /// A payment call returned but its outcome could not be saved (a full disk, say): the step may have taken
        /// effect and is confirmed with the provider on the next run.
        public static let outcomeNotSaved = Code(base: .outcomeNotSaved)
        /// Whether a payment call took effect is not known yet (the provider could not be asked); the instance
        /// keeps asking.
        public static let unconfirmed = Code(base: .unconfirmed)
        /// An operator refund asked for while an earlier, different one of the instance has no confirmed outcome
        /// (the provider could not be asked): nothing new is sent until the earlier one is settled by its key.
        public static let refundUnsettled = Code(base: .refundUnsettled)
        public var description: String { base.rawValue }
    }

    public var code: Code
    public var flow: String?
    public var instanceID: String?
    public var step: String?
    public var detail: String

    package init(_ code: Code, flow: String? = nil, instanceID: String? = nil, step: String? = nil, detail: String) {
        self.code = code
        self.flow = flow
        self.instanceID = instanceID
        self.step = step
        self.detail = detail
    }

    public var description: String {
        var context: [String] = []
        if let flow { context.append("flow \(InstanceID.printable(flow))") }
        if let instanceID { context.append("instance \(InstanceID.printable(instanceID))") }
        if let step { context.append("step \(step)") }
        let prefix = context.isEmpty ? "" : context.joined(separator: ", ") + ": "
        return "\(prefix)\(code): \(detail)"
    }
}
