import CCurl
import Foundation
import Logging
import Synchronization

/// The dedicated thread that owns the multi handle and every easy handle.
///
/// Callers hand work over through a locked command queue and ``MultiHandle/wakeUp()``; results come back through
/// each transfer's continuation. Everything curl-related happens on this one thread, so no curl handle is ever
/// shared between threads.
final class TransferLoop: Sendable {
    private enum Command {
        case start(Transfer)
        case cancel(Transfer)
    }

    private struct Queue {
        var commands: [Command] = []
        var isShuttingDown = false
        var hasExited = false
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
        var activeTransfers = 0
    }

    private let configuration: HTTPClient.Configuration
    private let logger: Logger
    private let multi: MultiHandle
    private let queue = Mutex(Queue())

    init(configuration: HTTPClient.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.multi = MultiHandle(configuration: configuration)
        let thread = Thread { [self] in run() }
        thread.name = "evflow.curl"
        thread.start()
    }

    var activeTransferCount: Int { queue.withLock { $0.activeTransfers } }

    func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        let transfer = Transfer(request: request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.setContinuation(continuation)
                let (accepted, needsWakeUp) = queue.withLock { queue in
                    guard !queue.isShuttingDown else { return (false, false) }
                    // Commands already queued mean their wake-up is still pending: the thread has not drained
                    // the queue since, so it will see this command too. One wake-up per batch, not per request.
                    let wasEmpty = queue.commands.isEmpty
                    queue.commands.append(.start(transfer))
                    queue.activeTransfers += 1
                    return (true, wasEmpty)
                }
                if accepted {
                    if needsWakeUp { multi.wakeUp() }
                } else {
                    transfer.finish(.failure(transfer.error(.clientShutDown, .notSent, detail: "the HTTP client was shut down")))
                }
            }
        } onCancel: {
            transfer.requestCancellation()
            let needsWakeUp = queue.withLock { queue in
                let wasEmpty = queue.commands.isEmpty
                queue.commands.append(.cancel(transfer))
                return wasEmpty
            }
            if needsWakeUp { multi.wakeUp() }
        }
    }

    /// Stops accepting requests, fails those in flight, and waits until the thread has exited.
    func shutdown() async {
        await withCheckedContinuation { continuation in
            let exited = queue.withLock { queue in
                queue.isShuttingDown = true
                if queue.hasExited { return true }
                queue.exitWaiters.append(continuation)
                return false
            }
            if exited { continuation.resume() } else { multi.wakeUp() }
        }
    }

    /// Asks the thread to stop without waiting, for when the last client reference goes away.
    func beginShutdown() {
        queue.withLock { $0.isShuttingDown = true }
        multi.wakeUp()
    }

    // MARK: The transfer thread

    private func run() {
        // swift-corelibs-foundation applies `Thread.name` to the OS thread only when set from that thread;
        // set before `start()` it is lost and `top -H` shows the creator's name.
        Thread.current.name = "evflow.curl"
        var running: [UnsafeMutableRawPointer: Transfer] = [:]
        var idleHandles: [EasyHandle] = []
        var isShuttingDown = false

        while !isShuttingDown || !running.isEmpty {
            let commands: [Command]
            (commands, isShuttingDown) = queue.withLock { queue in
                defer { queue.commands.removeAll(keepingCapacity: true) }
                return (queue.commands, queue.isShuttingDown)
            }
            for command in commands {
                switch command {
                case .start(let transfer):
                    start(transfer, running: &running, idleHandles: &idleHandles)
                case .cancel(let transfer):
                    guard let easy = transfer.easy, running[easy.raw] != nil else { continue }
                    let delivery = easy.requestMayHaveBeenSent ? HTTPClientError.Delivery.maybeSent : .notSent
                    complete(transfer, .failure(transfer.error(.cancelled, delivery, detail: "the calling task was cancelled")),
                             running: &running, idleHandles: &idleHandles)
                }
            }
            if isShuttingDown {
                for transfer in running.values {
                    let delivery = transfer.easy?.requestMayHaveBeenSent == false ? HTTPClientError.Delivery.notSent : .maybeSent
                    complete(transfer, .failure(transfer.error(.clientShutDown, delivery, detail: "the HTTP client was shut down")),
                             running: &running, idleHandles: &idleHandles)
                }
                break
            }
            multi.perform()
            for (handle, result) in multi.completed() {
                guard let transfer = running[handle], let easy = transfer.easy else { continue }
                complete(transfer, transfer.outcome(of: result, easy: easy), running: &running, idleHandles: &idleHandles)
            }
            multi.poll(milliseconds: 1000)
        }
        idleHandles.removeAll()
        let waiters = queue.withLock { queue in
            queue.hasExited = true
            // Requests that raced with shutdown were queued after the last drain: fail them too.
            for case .start(let transfer) in queue.commands {
                transfer.finish(.failure(transfer.error(.clientShutDown, .notSent, detail: "the HTTP client was shut down")))
                queue.activeTransfers -= 1
            }
            queue.commands.removeAll()
            defer { queue.exitWaiters.removeAll() }
            return queue.exitWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func start(_ transfer: Transfer, running: inout [UnsafeMutableRawPointer: Transfer], idleHandles: inout [EasyHandle]) {
        if transfer.isCancellationRequested {
            finish(transfer, .failure(transfer.error(.cancelled, .notSent, detail: "the calling task was cancelled before the request started")))
            return
        }
        let easy = idleHandles.popLast() ?? EasyHandle()
        do {
            try transfer.configure(easy, configuration: configuration)
        } catch {
            easy.reset()
            idleHandles.append(easy)
            transfer.easy = nil
            finish(transfer, .failure(transfer.error(.invalidRequest, .notSent, detail: "\(error.what): \(error.message)")))
            return
        }
        guard multi.add(easy) else {
            easy.reset()
            transfer.easy = nil
            finish(transfer, .failure(transfer.error(.other, .notSent, detail: "libcurl refused the transfer")))
            return
        }
        running[easy.raw] = transfer
    }

    private func complete(
        _ transfer: Transfer, _ result: Result<HTTPResponse, HTTPClientError>,
        running: inout [UnsafeMutableRawPointer: Transfer], idleHandles: inout [EasyHandle]
    ) {
        if let easy = transfer.easy {
            multi.remove(easy)
            running[easy.raw] = nil
            easy.reset()
            if idleHandles.count < configuration.maximumIdleConnections { idleHandles.append(easy) }
            transfer.easy = nil
        }
        finish(transfer, result)
    }

    private func finish(_ transfer: Transfer, _ result: Result<HTTPResponse, HTTPClientError>) {
        if case .failure(let error) = result {
            logger.debug("HTTP request failed", metadata: ["error": "\(error)"])
        }
        queue.withLock { $0.activeTransfers -= 1 }
        transfer.finish(result)
    }
}
