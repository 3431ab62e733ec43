import Foundation
import Synchronization

/// The simulator's notion of "now": the system clock, or a manual clock that only moves when told to.
///
/// Everything time-dependent in the simulator (payment expiry, auto-approve, capture deadlines, access-token
/// lifetime, rate-limit windows, event timestamps) reads this clock, so a test can create a payment, call
/// ``advance(by:)`` with eleven minutes and see it EXPIRED without waiting. Webhook retry backoff and injected
/// latency are real time on purpose: they exist to exercise real sockets.
///
/// ```swift
/// let clock = SimulatorClock.manual()
/// clock.advance(by: .seconds(601))
/// ```
public final class SimulatorClock: Sendable {
    private enum Mode {
        case system
        case manual(Date)
    }

    private let mode: Mutex<Mode>

    private init(mode: Mode) { self.mode = Mutex(mode) }

    /// A clock that follows the system's wall clock.
    public static func system() -> SimulatorClock { SimulatorClock(mode: .system) }

    /// A clock that starts at `start` and moves only through ``advance(by:)`` or ``set(to:)``.
    public static func manual(startingAt start: Date = Date(timeIntervalSince1970: 1_767_225_600)) -> SimulatorClock {
        SimulatorClock(mode: .manual(start))
    }

    /// Whether this clock is manual (virtual time).
    public var isManual: Bool {
        mode.withLock { if case .manual = $0 { true } else { false } }
    }

    /// The current time.
    public var now: Date {
        mode.withLock { mode in
            switch mode {
            case .system: Date()
            case .manual(let date): date
            }
        }
    }

    /// Moves a manual clock forward.
    /// - Throws: ``SimulatorError`` when the clock follows the system clock, which cannot be moved.
    public func advance(by duration: Duration) throws {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        try mode.withLock { mode in
            guard case .manual(let date) = mode else {
                throw SimulatorError.clockNotManual
            }
            mode = .manual(date.addingTimeInterval(seconds))
        }
    }

    /// Sets a manual clock to `date` (which may be in the past, for odd tests).
    /// - Throws: ``SimulatorError`` when the clock follows the system clock.
    public func set(to date: Date) throws {
        try mode.withLock { mode in
            guard case .manual = mode else { throw SimulatorError.clockNotManual }
            mode = .manual(date)
        }
    }
}
