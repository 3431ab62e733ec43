/// A flow-level deadline: "if the instance is still in one of these steps X after Y, go to step Z". Used to
/// capture or release before a reservation runs out, or when the station never reports the session's end.
package struct Deadline: Sendable, Equatable {
    /// When the clock starts.
    package enum Anchor: Sendable, Equatable {
        /// When the instance started.
        case start
        /// When the step with this id completed (for example the authorization).
        case stepCompleted(String)
        /// The provider's capture deadline of the instance's payment (``CaptureWindows``), written
        /// `"since": "captureDeadline"` with `before` instead of `after`: the deadline fires `after` ahead of it,
        /// so the flow captures or releases before the provider cancels the payment. Unarmed while no payment is
        /// authorized.
        case captureDeadline
    }

    package var id: String
    /// A duration expression over inputs, evaluated when the anchor is reached: how long after the anchor, or, for
    /// ``Anchor/captureDeadline``, how long before it (the definition's `before`).
    package var after: Expression
    package var since: Anchor
    /// The deadline interrupts only while the instance is in one of these steps; once it has left them all, the
    /// deadline is disarmed (so it never interrupts the capture it was meant to force).
    package var during: Set<String>
    /// Where the instance goes when the deadline fires.
    package var goto: String
    package var jsonPath: String
}
