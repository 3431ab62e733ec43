/// `wait`: a durable timer; go to `next` after `duration`.
package struct WaitStep: Sendable, Equatable {
    /// Duration expression, evaluated when the step starts.
    package var duration: Expression
    package var next: String
}
