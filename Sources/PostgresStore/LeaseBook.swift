import FlowEngine
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The leases one store handle holds: the claim token and epoch each save is conditional on, and the thread that
/// renews them.
///
/// The renewal thread runs only while at least one lease is held and stops when the last is released (or the
/// store goes away): it is owned by the handle, never left running on its own.
final class LeaseBook: Sendable {
    struct Held: Sendable, Equatable {
        var token: String
        var epoch: Int64
        /// Until when (this host's clock, measured from before the claim or renewal was sent) the lease surely stands.
        var standsUntil: Date
        /// A renewal found the lease gone or could not renew it before it expired: saves fail fast.
        var isLost = false
    }

    private struct State {
        var held: [String: Held] = [:]
        var renewing = false
        var stopped = false
    }

    private let state = Mutex(State())

    func held(_ id: String) -> Held? { state.withLock { $0.held[id] } }

    func tokens() -> [String: Held] { state.withLock { $0.held } }

    /// Records a claim; starts the renewal thread with `renew` when none runs.
    func record(_ id: String, _ lease: Held, duration: TimeInterval, renewEvery interval: TimeInterval, renew: @escaping @Sendable ([String: Held]) -> Set<String>?) {
        let start = state.withLock { state -> Bool in
            state.held[id] = lease
            guard !state.renewing, !state.stopped else { return false }
            state.renewing = true
            return true
        }
        guard start else { return }
        let thread = Thread { [self] in renewLoop(interval: interval, duration: duration, renew: renew) }
        thread.name = "evflow-lease-renewal"
        thread.start()
    }

    /// Forgets a lease (released); returns what was held.
    func forget(_ id: String, token: String) -> Held? {
        state.withLock { state in
            guard state.held[id]?.token == token else { return nil }
            return state.held.removeValue(forKey: id)
        }
    }

    func markLost(_ id: String) {
        state.withLock { $0.held[id]?.isLost = true }
    }

    /// Stops renewing (the store is going away, or a test plays a worker that stalls); the thread ends within 0.1 s.
    func stopRenewing() {
        state.withLock { $0.stopped = true }
    }

    /// Renews every held lease each `interval`; `renew` returns the ids it renewed (the rest are lost: another
    /// worker took them), or `nil` when the database could not be asked (then a lease is lost once it may have
    /// expired).
    private func renewLoop(interval: TimeInterval, duration: TimeInterval, renew: @Sendable ([String: Held]) -> Set<String>?) {
        while true {
            let due = Date().addingTimeInterval(interval)
            while Date() < due && !state.withLock({ $0.stopped }) { Thread.sleep(forTimeInterval: min(0.1, interval)) }
            let leases = state.withLock { state -> [String: Held]? in
                guard !state.stopped, !state.held.isEmpty else {
                    state.renewing = false
                    return nil
                }
                return state.held.filter { !$0.value.isLost }
            }
            guard let leases else { return }
            if leases.isEmpty { continue }
            let sent = Date()
            let renewed = renew(leases)
            state.withLock { state in
                for (id, lease) in leases where state.held[id]?.token == lease.token {
                    if let renewed {
                        if renewed.contains(id) { state.held[id]?.standsUntil = sent.addingTimeInterval(duration) } else { state.held[id]?.isLost = true }
                    } else if Date() >= lease.standsUntil {
                        state.held[id]?.isLost = true
                    }
                }
            }
        }
    }
}
