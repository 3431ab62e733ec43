import Foundation
import Logging
import Synchronization

/// What the runner knows about every unfinished instance it tracks.
struct Schedule {
    /// When each instance should run next: `.distantPast` for now, `.distantFuture` for "only on a signal".
    var wakes: [String: Date] = [:]
    /// Instances ``FlowRunner/work(while:)`` is running right now.
    var running: Set<String> = []
    /// Running instances that were started or signalled meanwhile: they run again as soon as they stop.
    var poked: Set<String> = []
    /// How many unfinished instances the last ``FlowRunner/recover(from:)`` found, until a worker loop starts
    /// from it instead of recovering again.
    var recovered: Int?
    /// How many ``FlowRunner/work(pollInterval:while:)`` loops run: while one does, a start or signal may wait for
    /// the run it wakes to make it durable (see ``Arrival``).
    var workerLoops = 0
}

extension FlowRunner {
    /// Runs instances as they become due until `keepRunning` returns `false` (checked between launches) or the
    /// task is cancelled: the worker loop of a backend that embeds evflow, and of `evflow serve`.
    ///
    /// Unlike ``runDue()`` this never waits for a whole round: an instance whose signal arrives, or whose timer
    /// fires, starts as soon as a slot is free (at most `maximumConcurrency` run at once, each on a thread of
    /// its own while it saves; see ``RunThreads``). Starting the loop
    /// first recovers every unfinished instance from the state folder. Once `keepRunning` says stop, no new
    /// run starts and the call returns when the runs in progress have saved their state; cancellation instead
    /// interrupts them (safe, since every side effect is recorded before it is made, but slower to resume).
    ///
    /// ```swift
    /// try await withThrowingDiscardingTaskGroup { group in
    ///     group.addTask { await runner.work() }
    ///     try runner.start(flow: "ev-charging", id: sessionID, inputs: inputs)
    /// }
    /// ```
    /// - Parameter pollInterval: how often to look for signals that other processes stored in the state folder
    ///   (for example `evflow signal` while `evflow serve` runs); starts and signals through this runner, and
    ///   timers, need no polling.
    public func work(pollInterval: Duration = .milliseconds(250), while keepRunning: @escaping @Sendable () -> Bool = { true }) async {
        do {
            let done = schedule.withLock { schedule in
                defer { schedule.recovered = nil }
                return schedule.recovered
            }
            let found = try done ?? recover()
            logger.info("worker started", metadata: ["unfinished": "\(found)"])
        } catch {
            logger.error("worker could not list the state folder; running what it already tracks", metadata: ["error": "\(error)"])
        }
        // A shared store's wake-ups: another worker started, signalled or paid an instance (the poll is the fallback).
        let subscription = store.subscribeToWakeUps { [weak self] id in
            guard let self else { return }
            self.wake(id, at: self.services.clock.now)
        }
        defer { subscription?.cancel() }
        schedule.withLock { $0.workerLoops += 1 }
        defer { schedule.withLock { $0.workerLoops -= 1 } }
        let clock = ContinuousClock()
        var nextMailCheck = clock.now
        let threads = runThreads
        await withDiscardingTaskGroup { group in
            while keepRunning() && !Task.isCancelled {
                if clock.now >= nextMailCheck {
                    collectForeignSignals()
                    nextMailCheck = clock.now.advanced(by: pollInterval)
                }
                let now = services.clock.now
                let (launch, nextWake) = takeDue(at: now)
                for id in launch {
                    group.addTask(executorPreference: threads) {
                        await self.run(id)
                        self.schedule.withLock { _ = $0.running.remove(id) }
                        self.doorbell.ring()
                    }
                }
                var pause = max(.zero, nextMailCheck - clock.now)
                if let nextWake {
                    let seconds = max(0, nextWake.timeIntervalSince(services.clock.now))
                    pause = min(pause, .milliseconds(Int64((seconds * 1000).rounded(.up))))
                }
                if pause > .zero { await doorbell.wait(upTo: pause) }
            }
        }
        logger.notice("worker stopped: every run in progress saved its state")
    }

    /// Wakes the worker loop now, for example to let it notice that `keepRunning` has turned `false`.
    public func wakeWorker() { doorbell.ring() }

    /// Claims the due instances that are not running, up to the free slots; returns them (earliest first) and
    /// the earliest wake-up among the rest.
    private func takeDue(at now: Date) -> (launch: [String], nextWake: Date?) {
        schedule.withLock { schedule in
            let free = maximumConcurrency - schedule.running.count
            var due: [(id: String, at: Date)] = []
            var nextWake: Date?
            for (id, at) in schedule.wakes where !schedule.running.contains(id) {
                if at <= now {
                    due.append((id, at))
                } else if at != .distantFuture {
                    nextWake = min(nextWake ?? at, at)
                }
            }
            guard free > 0, !due.isEmpty else { return ([], nextWake) }
            due.sort { $0.at < $1.at || ($0.at == $1.at && $0.id < $1.id) }
            let launch = due.prefix(free).map(\.id)
            schedule.running.formUnion(launch)
            return (launch, nextWake)
        }
    }

    /// Signals another process stored in the inbox reach this runner only through the store, and so do the
    /// starts and timers of other workers sharing a database (``InstanceStore/claimableInstances(dueBy:limit:)``).
    private func collectForeignSignals() {
        let now = services.clock.now
        let claimable = (try? store.claimableInstances(dueBy: now, limit: 2 * maximumConcurrency)) ?? []
        let mail = ((try? store.instancesWithPendingSignals()) ?? []) + claimable
        guard !mail.isEmpty else { return }
        let unrunnable = unrunnable
        schedule.withLock { schedule in
            for id in mail where (schedule.wakes[id] ?? .distantFuture) > now && !schedule.running.contains(id) && unrunnable[id] == nil {
                schedule.wakes[id] = now
            }
        }
    }

    /// Marks an instance due at `date` after a start or a signal, and wakes the worker.
    func wake(_ id: String, at date: Date) {
        schedule.withLock { schedule in
            if schedule.running.contains(id) { schedule.poked.insert(id) }
            schedule.wakes[id] = date
        }
        doorbell.ring()
    }

    /// Records when an instance that just ran should run next (`nil`: finished); an instance signalled while
    /// it ran is due at once instead.
    func reschedule(_ id: String, at date: Date?) {
        let now = services.clock.now
        schedule.withLock { schedule in
            schedule.wakes[id] = schedule.poked.remove(id) != nil ? now : date
        }
    }
}
