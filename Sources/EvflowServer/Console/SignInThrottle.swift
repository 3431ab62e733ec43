import Foundation
import Synchronization

/// Slows failed console sign-ins: each failure within ``window`` of the previous one makes the next refusal wait
/// ``step`` longer, up to ``maximum``, so guessing tokens through the sign-in form is slower than guessing them
/// through `/v1` would be (and that is already hopeless at 32+ characters).
///
/// The count is the server's, not a client's: the routes' request context carries no peer address, so a flood of
/// wrong tokens slows every failed sign-in (a correct token is never delayed).
final class SignInThrottle: Sendable {
    let step: Duration
    let maximum: Duration
    /// Failures older than this are forgotten.
    let window: TimeInterval
    private let state = Mutex<(failures: Int, last: Date)>((0, .distantPast))

    init(step: Duration = .milliseconds(500), maximum: Duration = .seconds(5), window: TimeInterval = 900) {
        self.step = step
        self.maximum = maximum
        self.window = window
    }

    /// Records a failure at `now`; returns how long to wait before answering it.
    func failed(at now: Date) -> Duration {
        let failures = state.withLock { state in
            if now.timeIntervalSince(state.last) > window { state.failures = 0 }
            state.failures += 1
            state.last = now
            return state.failures
        }
        return min(step * failures, maximum)
    }
}
