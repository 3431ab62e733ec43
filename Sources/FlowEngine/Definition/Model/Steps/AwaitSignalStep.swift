/// `awaitSignal`: park until signals arrive. A handler may update variables (meter readings accumulate) and may
/// end the wait (`next`); after each signal the `until` conditions are checked in order and the first true one
/// ends the wait. The step's timeout is required. Output: `endedBy` (the signal name, `"until"` or `"timeout"`).
package struct AwaitSignalStep: Sendable, Equatable {
    /// What to do when a signal of one name arrives.
    package struct Handler: Sendable, Equatable {
        package var signal: String
        package var assign: [Assignment]
        /// `nil`: keep waiting for more signals.
        package var next: String?
    }

    package var handlers: [Handler]
    package var until: [Branch]

    package func handler(for signal: String) -> Handler? { handlers.first { $0.signal == signal } }
}
