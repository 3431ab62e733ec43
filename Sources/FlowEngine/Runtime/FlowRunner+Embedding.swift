import EPayment
import Foundation
import Logging
import Synchronization

/// A caller of ``FlowRunner/finished(_:)`` waiting for an instance to end.
struct CompletionWaiter {
    let token: UInt64
    let continuation: CheckedContinuation<FlowInstance, any Error>
}

/// How much durable work a runner's store has done: what a benchmark divides by the flows it ran.
public struct DurableWork: Sendable, Equatable {
    /// Atomic file replacements (instance saves and stored signals).
    public var durableWrites: Int
    /// fsync calls, on files and on folders.
    public var fsyncs: Int
}

extension FlowRunner {
    /// A runner for a backend that embeds evflow: instances in `stateDirectory` (created 0700 when missing),
    /// flows from `definitions` (see ``FlowDefinitionLoader``), payments through `payments`.
    ///
    /// Shorthand for `EvflowRuntime(configuration).runner` with a state folder; build an ``EvflowConfiguration``
    /// instead to opt into metrics. `notify` steps are recorded as skipped: an embedding backend learns about its
    /// sessions from ``finished(_:)`` and ``instance(_:)``. Drive the runner with ``work(while:)``.
    ///
    /// The runner sends through a copy of `payments` that makes one attempt per call
    /// (`payments.retrying(.noRetries)`, sharing its access-token cache), whatever retry policy `payments` was
    /// created with: under the engine the steps' durable `retry` policies own every retry of a payment call (each
    /// one a saved step attempt with the step's Idempotency-Key, honouring `Retry-After`), so a call is never
    /// retried in process while its instance is locked. `payments` itself is unchanged for the backend's own use.
    /// - Throws: ``StoreError`` when the state folder cannot be created or opened.
    public convenience init(
        stateDirectory: URL, definitions: [String: FlowDefinition], payments: EPaymentClient,
        clock: any FlowClock = SystemFlowClock(), logger: Logger = Logger(label: "evflow"), maximumConcurrency: Int = 64
    ) throws {
        var configuration = EvflowConfiguration(store: .directory(stateDirectory), definitions: definitions, payments: .client(payments))
        configuration.clock = clock
        configuration.logger = logger
        configuration.maximumConcurrency = maximumConcurrency
        let parts = try EvflowRuntime.Parts(configuration, httpClient: nil)
        self.init(store: parts.store, catalog: parts.catalog, services: parts.services, maximumConcurrency: maximumConcurrency)
    }

    /// Tells a waiting `awaitPayment` step that the provider reported `event` (for example `AUTHORIZED`) for its
    /// payment: what a webhook receiver calls after verifying the signature. The step then confirms the state
    /// by asking the provider, so an event can wake an instance but never move money by itself.
    ///
    /// - Parameter eventID: unique per delivery (for example reference, pspReference and event name): a repeated
    ///   delivery is ignored.
    /// - Returns: `false` when the event was a duplicate.
    /// - Throws: ``FlowError`` when the instance is unknown or already finished.
    @discardableResult
    public func paymentUpdated(instanceID: String, event: String, eventID: String) throws -> Bool {
        try signal(instanceID: instanceID, name: PaymentUpdate.signalName, data: ["event": .string(event)], signalID: eventID)
    }

    /// Returns the instance once it has finished (succeeded, failed or cancelled), as saved.
    ///
    /// Needs a worker (``work(while:)``) running the instance; waits indefinitely otherwise, so bound it with
    /// your own timeout where a session may legitimately wait for hours: cancelling the calling task (a timeout's
    /// task group, a request whose client went away) ends the wait at once, and the instance runs on regardless.
    /// - Throws: ``FlowError`` when there is no such instance; `CancellationError` when the task was cancelled
    ///   before the instance finished.
    public func finished(_ id: String) async throws -> FlowInstance {
        // Looks at the outline (status) first: the whole instance is read only once it has finished.
        if try outline(id).status.isFinished { return try instance(id) }
        try Task.checkCancellation()
        let token = UInt64.random(in: 1...UInt64.max)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                completionWaiters.withLock { $0[id, default: []].append(CompletionWaiter(token: token, continuation: continuation)) }
                // Cancelled before the waiter was registered: the handler found nothing to end, so end it here.
                if Task.isCancelled {
                    takeWaiter(token, of: id)?.continuation.resume(throwing: CancellationError())
                    return
                }
                // It may have finished between the first look and registering: look again.
                if (try? store.loadOutline(id))?.status.isFinished == true, let latest = try? store.load(id) {
                    takeWaiter(token, of: id)?.continuation.resume(returning: latest)
                }
            }
        } onCancel: {
            takeWaiter(token, of: id)?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Runs `body` on the runner's own threads and returns its result: for ``start(flow:id:inputs:)``,
    /// ``signal(instanceID:name:data:signalID:)`` and ``paymentUpdated(instanceID:event:eventID:)`` called from
    /// async code that handles many sessions at once.
    ///
    /// Those calls return only once the start or signal is fsync'd, and they block their thread meanwhile.
    /// Swift's cooperative pool has one thread per core, so a burst of them from async code leaves every
    /// thread waiting on the disk (and one flush at a time), while on the runner's threads many wait together
    /// and the filesystem commits them as a group.
    ///
    /// ```swift
    /// let accepted = try await runner.onRunnerThreads {
    ///     try runner.signal(instanceID: id, name: "sessionEnded", data: ["energyWh": .integer(18_750)], signalID: "end")
    /// }
    /// ```
    public func onRunnerThreads<Result: Sendable>(_ body: @Sendable () throws -> Result) async throws -> Result {
        try await withTaskExecutorPreference(runThreads) { try body() }
    }

    /// Runs async `body` on the runner's own threads, as ``onRunnerThreads(_:)`` does a blocking call: for
    /// ``cancel(_:reason:)`` and other calls that read and save the instance around a payment call. While `body`
    /// awaits the provider its thread is free; every save it makes blocks a runner thread, not one of the
    /// cooperative pool's.
    public func onRunnerThreads<Result: Sendable>(_ body: @Sendable () async throws -> Result) async throws -> Result {
        try await withTaskExecutorPreference(runThreads) { try await body() }
    }

    /// The store's durable work since the runner was created.
    public var durableWork: DurableWork {
        let statistics = store.statistics
        return DurableWork(durableWrites: statistics.durableWrites, fsyncs: statistics.fsyncs)
    }

    /// Hands a finished instance to everyone waiting in ``finished(_:)``.
    func completed(_ instance: FlowInstance) {
        let waiters = completionWaiters.withLock { $0.removeValue(forKey: instance.id) } ?? []
        for waiter in waiters { waiter.continuation.resume(returning: instance) }
    }

    /// Removes one caller of ``finished(_:)`` from the waiters, for its caller to resume (exactly once): `nil` when
    /// it was already resumed (finished, or cancelled).
    func takeWaiter(_ token: UInt64, of id: String) -> CompletionWaiter? {
        completionWaiters.withLock { waiters -> CompletionWaiter? in
            guard let index = waiters[id]?.firstIndex(where: { $0.token == token }) else { return nil }
            let waiter = waiters[id]?.remove(at: index)
            if waiters[id]?.isEmpty == true { waiters[id] = nil }
            return waiter
        }
    }
}
