/// One input a flow takes when an instance starts, for example the maximum amount to reserve or the tariff.
public struct InputDeclaration: Sendable, Hashable {
    /// The name, referenced as `inputs.<name>` in expressions.
    public var name: String
    public var type: ValueType
    /// Used when the caller does not supply the input; `nil` makes the input required.
    public var defaultValue: Value?
    /// What the input means, for people and generated forms.
    public var description: String?
}

/// A variable of a flow, assigned by `compute` steps and `awaitSignal` handlers, read as `vars.<name>`.
package struct VariableDeclaration: Sendable, Equatable {
    package var name: String
    package var type: ValueType
    /// Evaluated when the instance starts; may read inputs only.
    package var initial: Expression
}

/// A signal the outside world sends to an instance (for example a meter reading), with its typed payload.
package struct SignalDeclaration: Sendable, Equatable {
    package struct Field: Sendable, Equatable {
        package var name: String
        package var type: ValueType
    }

    package var name: String
    package var fields: [Field]
    package var description: String?
}
