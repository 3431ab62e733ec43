import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGINT and SIGTERM into a flag the worker checks between rounds, so in-flight steps (payment calls
/// included) are never cancelled: they finish or park durably, then the worker exits.
final class ShutdownSignal: Sendable {
    /// The first signal received; shared with the signal sources' handlers.
    private final class Received: Sendable {
        let number = Mutex<Int32?>(nil)
    }

    private let received = Received()
    // DispatchSourceSignal is not Sendable; the sources are only created in init and cancelled in deinit.
    nonisolated(unsafe) private var sources: [any DispatchSourceSignal] = []

    init(signals: [Int32] = [SIGINT, SIGTERM]) {
        for number in signals {
            // The default action would kill the process at once; the source receives it instead.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [received] in
                received.number.withLock { $0 = $0 ?? number }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Whether a stop was requested.
    var isRequested: Bool { signalNumber != nil }

    /// The first signal received, if any.
    var signalNumber: Int32? { received.number.withLock { $0 } }

    deinit {
        for source in sources { source.cancel() }
    }
}
