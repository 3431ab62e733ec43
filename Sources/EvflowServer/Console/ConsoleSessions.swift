import Crypto
import FlowEngine
import Foundation
import Synchronization

/// The console's signed-in sessions, in memory: a random id (the cookie) maps to the token's name and rights and a
/// CSRF token for its forms. A restart signs everyone out, which is the safe direction.
final class ConsoleSessions: Sendable {
    struct Session: Sendable {
        var identity: ConsoleIdentity
        /// Sent in a hidden field of every form and compared with what comes back.
        var csrfToken: String
        var expiresAt: Date
    }

    /// How long a session lasts without being used.
    let idleLifetime: TimeInterval
    /// More sessions than this and the oldest is dropped, so sign-ins cannot fill the memory.
    let capacity: Int
    private let sessions = Mutex<[String: Session]>([:])

    init(idleLifetime: TimeInterval = 8 * 3600, capacity: Int = 10_000) {
        self.idleLifetime = idleLifetime
        self.capacity = capacity
    }

    /// Starts a session for `identity`; returns its id, for the cookie.
    func start(_ identity: ConsoleIdentity, now: Date) -> String {
        let id = Self.randomToken()
        let session = Session(identity: identity, csrfToken: Self.randomToken(), expiresAt: now.addingTimeInterval(idleLifetime))
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value.expiresAt > now }
            if sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.expiresAt < $1.value.expiresAt }) {
                sessions[oldest.key] = nil
            }
            sessions[id] = session
        }
        return id
    }

    /// The live session with this id, its lifetime extended; `nil` when unknown or expired.
    func session(_ id: String, now: Date) -> Session? {
        sessions.withLock { sessions in
            guard var session = sessions[id] else { return nil }
            guard session.expiresAt > now else {
                sessions[id] = nil
                return nil
            }
            session.expiresAt = now.addingTimeInterval(idleLifetime)
            sessions[id] = session
            return session
        }
    }

    /// Signs the session out: its cookie stops working at once.
    func end(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// 32 random bytes from the system's cryptographic generator, as hex.
    static func randomToken() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { bytes in bytes.map { String(format: "%02x", $0) }.joined() }
    }

    /// Whether `a` equals `b`, in time that does not depend on where they differ.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(SHA256.hash(data: Array(a.utf8)))
        let right = Array(SHA256.hash(data: Array(b.utf8)))
        var difference: UInt8 = 0
        for (x, y) in zip(left, right) { difference |= x ^ y }
        return difference == 0
    }
}
