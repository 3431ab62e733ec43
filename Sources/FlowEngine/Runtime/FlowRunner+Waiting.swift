import Synchronization

/// What a start can wait for before it answers (see ``FlowRunner/start(flow:id:inputs:waitingFor:timeout:)``).
///
/// A struct rather than an enum, so that adding a milestone is not a breaking change.
public struct StartMilestone: Sendable, Hashable, CustomStringConvertible {
    private enum Kind: String { case payment }
    private let kind: Kind

    /// The reserve step has created the payment: its reference, and its link for the redirect and QR flows.
    public static let payment = StartMilestone(kind: .payment)

    public var description: String { kind.rawValue }
}

/// What ``FlowRunner/start(flow:id:inputs:waitingFor:timeout:)`` found when it returned.
public struct WaitedStart: Sendable {
    /// The instance as last read: the payment's summary once it exists.
    public let instance: FlowInstance
    /// `true` when this call created the instance; `false` for a repeated start with the same id and inputs.
    public let created: Bool
    /// The payment and its link once the reserve step succeeded; `nil` when the bound passed first, or when the
    /// instance ended without creating one (``FlowInstance/failure`` says why).
    public let payment: PaymentLink?
    /// `true` when the bound passed while the instance was still on its way: read it later (or wait on
    /// ``FlowRunner/finished(_:)``) instead of starting it again.
    public let timedOut: Bool
}

extension FlowRunner {
    /// The longest a start may wait for a milestone: a request held longer than this ties up a connection the
    /// caller would do better to poll with.
    public static let maximumStartWait: Duration = .seconds(30)

    /// Starts an instance as ``start(flow:id:inputs:)`` does, then waits up to `timeout` (at most
    /// ``maximumStartWait``) for `milestone`: the one round trip a landing page needs to send the customer on.
    ///
    /// The worker (``work(while:)``, which must be running) creates the payment; this call only waits for the
    /// instance's saves, on no thread (and with a store other workers share, reads it again every
    /// ``sharedStoreRecheck``, since another worker may create the payment). A repeated start with the same id and inputs waits for, and returns, the
    /// same payment and link: it never creates a second payment.
    ///
    /// ```swift
    /// let started = try await runner.start(flow: "ev-charging-landing-page", id: sessionID, inputs: inputs,
    ///                                      waitingFor: .payment, timeout: .seconds(5))
    /// if let link = started.payment?.redirectURL { redirect(to: link) } else { showSpinner(polling: sessionID) }
    /// ```
    /// - Throws: what ``start(flow:id:inputs:)`` throws; `CancellationError` when the task is cancelled.
    public func start(flow name: String, id: String, inputs: [String: Value], waitingFor milestone: StartMilestone,
                      timeout: Duration) async throws -> WaitedStart {
        let started = try await onRunnerThreads { try self.start(flow: name, id: id, inputs: inputs) }
        return try await wait(for: milestone, after: started, timeout: timeout)
    }

    /// Waits for `milestone` of an instance ``start(flow:id:inputs:)`` just returned (the HTTP API's start).
    package func wait(for milestone: StartMilestone, after started: StartedInstance, timeout: Duration) async throws -> WaitedStart {
        let id = started.instance.id
        let watch = progress.watch(id)
        defer { progress.stopWatching(watch) }
        // The bound is the caller's, in real time, like the worker's pauses; the instance keeps its own clock.
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: min(max(timeout, .zero), Self.maximumStartWait))
        while true {
            // Read after watching, so a save between the start and the watch is not missed.
            let instance = try await onRunnerThreads { try self.instance(id) }
            if instance.payment != nil || instance.status.isFinished {
                return WaitedStart(instance: instance, created: started.created, payment: instance.paymentLink, timedOut: false)
            }
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero {
                return WaitedStart(instance: instance, created: started.created, payment: nil, timedOut: true)
            }
            // Another worker sharing the store may be the one creating the payment: its saves ring no bell here.
            await progress.wait(watch, upTo: sharesStore ? min(remaining, Self.sharedStoreRecheck) : remaining)
            try Task.checkCancellation()
        }
    }
}

extension FlowRunner {
    /// How often a wait for the end looks at an instance again when other workers share the store: a run on
    /// another worker ends without this runner hearing of it.
    static let sharedStoreRecheck: Duration = .seconds(1)

    /// Waits up to `timeout` (at most ``maximumStartWait``) for instance `id` to finish, and returns it as last
    /// read: `GET /v1/instances/{id}?wait=finished`, one held request where a charging backend would otherwise
    /// poll for the receipt every few milliseconds.
    ///
    /// An instance this runner runs ends the wait the moment its run ends (as ``finished(_:)`` does), with no
    /// read. With a store other workers share, the instance is also read again every ``sharedStoreRecheck``,
    /// since it may end on another worker. The bound counts whole reads: a store slow to answer (a database
    /// riding out a restart) can hold the wait past it by that read.
    /// - Throws: ``FlowError`` when there is no such instance, ``StoreError`` when it cannot be read;
    ///   `CancellationError` when the task is cancelled.
    package func waitUntilFinished(_ id: String, timeout: Duration) async throws -> (instance: FlowInstance, timedOut: Bool) {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: min(max(timeout, .zero), Self.maximumStartWait))
        while true {
            let remaining = clock.now.duration(to: deadline)
            let slice = sharesStore ? min(remaining, Self.sharedStoreRecheck) : remaining
            if let instance = try await completion(of: id, within: max(slice, .zero)) {
                return (instance, false)
            }
            if clock.now >= deadline {
                return (try await onRunnerThreads { try self.instance(id) }, true)
            }
        }
    }

    /// The instance once it has finished: at once when it already has, when this runner's run of it ends within
    /// `bound`, else `nil`. Reads on the runner's threads, never on the caller's.
    private func completion(of id: String, within bound: Duration) async throws -> FlowInstance? {
        try await withThrowingTaskGroup(of: FlowInstance?.self) { group in
            let token = UInt64.random(in: 1...UInt64.max)
            // The waiter is registered before the look below, so a run ending in between resumes it.
            let (registered, registering) = AsyncStream<Void>.makeStream()
            group.addTask {
                try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { continuation in
                        self.completionWaiters.withLock { $0[id, default: []].append(CompletionWaiter(token: token, continuation: continuation)) }
                        registering.finish()
                        if Task.isCancelled { self.takeWaiter(token, of: id)?.continuation.resume(throwing: CancellationError()) }
                    }
                } onCancel: {
                    registering.finish()
                    self.takeWaiter(token, of: id)?.continuation.resume(throwing: CancellationError())
                }
            }
            for await _ in registered {}
            group.addTask {
                let outline = try await self.onRunnerThreads { try self.outline(id) }
                if outline.status.isFinished { return try await self.onRunnerThreads { try self.instance(id) } }
                try await Task.sleep(for: bound)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }
}
