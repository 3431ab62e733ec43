/// `fail`: the instance ends failed with an error code and a message an operator can read.
package struct FailStep: Sendable, Equatable {
    /// A stable code, for example `"payment.aborted"`.
    package var error: String
    package var message: String?
}
