import Foundation
import Synchronization

/// The engine's notion of "now". Everything time-dependent (timers, polls, backoff, deadlines, history
/// timestamps) reads it, so flow tests run hours of charging on a virtual clock in milliseconds.
public protocol FlowClock: Sendable {
    var now: Date { get }
}

/// The wall clock.
public struct SystemFlowClock: FlowClock {
    public init() {}
    public var now: Date { Date() }
}

/// A clock that moves only when told to; for tests and the flow-test harness.
public final class ManualFlowClock: FlowClock {
    private let current: Mutex<Date>

    public init(startingAt start: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
        current = Mutex(start)
    }

    public var now: Date { current.withLock { $0 } }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        current.withLock { $0 = $0.addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18) }
    }

    /// Sets the clock to `date`, if that is later than now.
    public func advance(to date: Date) {
        current.withLock { if date > $0 { $0 = date } }
    }
}

extension Date {
    func adding(_ duration: FlowDuration) -> Date {
        addingTimeInterval(Double(duration.milliseconds) / 1000)
    }
}
