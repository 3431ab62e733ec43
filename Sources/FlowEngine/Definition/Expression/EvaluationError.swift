/// An expression could not be evaluated: arithmetic overflow, division by zero, mixed currencies, or a value that
/// is not there yet. The runtime fails the step with this error (it is not retryable: the same inputs give the same
/// error).
package struct EvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Code: Sendable, Equatable {
        case overflow
        case divisionByZero
        case currencyMismatch
        case unsupportedCurrency
        case missingValue
        case noSignal
        case typeMismatch
    }

    package var code: Code
    /// The expression text that failed.
    package var expression: String
    /// The offset of the failing part in the expression text.
    package var offset: Int
    package var message: String

    package var description: String { "cannot evaluate `\(expression)` at offset \(offset): \(message)" }
}
