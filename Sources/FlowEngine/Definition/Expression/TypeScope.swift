/// What an expression may refer to at one place in a definition, with the types, for the type checker.
package struct TypeScope: Sendable {
    package var inputs: [String: ValueType] = [:]
    package var variables: [String: ValueType] = [:]
    /// Step id → output name → type.
    package var stepOutputs: [String: [String: ValueType]] = [:]
    /// Signal name → field name → type.
    package var signals: [String: [String: ValueType]] = [:]
    /// The signal being handled, inside an `awaitSignal` handler: `signal.<field>` reads its payload.
    package var currentSignal: String?

    package init() {}
}
