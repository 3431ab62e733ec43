import EPayment
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The secrets the webhook receiver verifies with: a fixed one (`EPAYMENT_WEBHOOK_SECRET`), or the file
/// `evflow webhooks register` rewrites (`EPAYMENT_WEBHOOK_SECRET_FILE`), re-read when it changes so a new
/// registration takes effect without a restart.
///
/// After a change the previous secret stays valid for ``previousSecretGrace``: during a move to a new URL the old
/// registration delivers, signed with the old secret, until it is deleted, and those deliveries still verify.
final class WebhookSecrets: Sendable {
    /// How long a replaced secret is still accepted.
    static let previousSecretGrace: Duration = .seconds(600)

    private struct State {
        var current: WebhookVerifier
        var previous: (verifier: WebhookVerifier, until: Date)?
        var fileStamp: FileStamp?
        var lastProblem: String?
    }

    /// What identifies one version of the file: a rewrite (rename into place) changes the inode.
    struct FileStamp: Equatable {
        var inode: UInt64
        var modified: Date?
        var size: UInt64
    }

    let file: String?
    private let skew: Duration
    private let state: Mutex<State>

    init(secret: Secret, file: String?, allowedClockSkew: Duration) {
        self.file = file
        self.skew = allowedClockSkew
        // No stamp yet: the secret was read earlier than this (with the rest of the configuration), so the watcher's
        // first look reads the file again; a registration that rewrote it in between is not missed.
        state = Mutex(State(current: WebhookVerifier(secret: secret, allowedClockSkew: allowedClockSkew), fileStamp: nil))
    }

    /// Verifies a delivery with the current secret, else with the previous one while it is still accepted.
    /// - Throws: what the current secret's check found.
    func verify(
        body: [UInt8], pathAndQuery: String, host: String?, now: Date, header: (String) -> String?
    ) throws(WebhookVerificationError) {
        let verifiers = state.withLock { state in
            guard let previous = state.previous, previous.until > now else { return [state.current] }
            return [state.current, previous.verifier]
        }
        var failure: WebhookVerificationError?
        for verifier in verifiers {
            do {
                try verifier.verify(body: body, pathAndQuery: pathAndQuery, host: host, now: now, header: header)
                return
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
    }

    /// Re-reads the file when it changed; a file that cannot be read (or that others can read) keeps the current
    /// secret and is reported once.
    func refresh(now: Date, logger: Logger) {
        guard let file, let stamp = Self.stamp(file), stamp != state.withLock({ $0.fileStamp }) else { return }
        do {
            let secret = try OwnerOnlyFile.secret(file)
            let firstLook = state.withLock { state in
                let firstLook = state.fileStamp == nil
                state.previous = (state.current, now.addingTimeInterval(Double(Self.previousSecretGrace.components.seconds)))
                state.current = WebhookVerifier(secret: secret, allowedClockSkew: skew)
                state.fileStamp = stamp
                state.lastProblem = nil
                return firstLook
            }
            if !firstLook { logger.notice("webhook secret file changed; verifying with its new secret", metadata: ["file": "\(file)"]) }
        } catch {
            let problem = "\(error)"
            guard state.withLock({ state in defer { state.lastProblem = problem }; return state.lastProblem != problem }) else { return }
            logger.error("webhook secret file changed but cannot be used; keeping the previous secret", metadata: ["problem": "\(problem)"])
        }
    }

    private static func stamp(_ path: String) -> FileStamp? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        return FileStamp(
            inode: (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0,
            modified: attributes[.modificationDate] as? Date,
            size: (attributes[.size] as? NSNumber)?.uint64Value ?? 0)
    }
}

/// Looks at the webhook secret file once a second, off the request path, until graceful shutdown. Only
/// ``EvflowServer/services(onReady:)`` starts it, and only when there is a file to watch.
struct WebhookSecretWatcher: Service {
    let secrets: WebhookSecrets
    let clock: @Sendable () -> Date
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            secrets.refresh(now: clock(), logger: logger)
            // Ends at once on graceful shutdown (the sleep is cancelled then).
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
        }
    }
}
