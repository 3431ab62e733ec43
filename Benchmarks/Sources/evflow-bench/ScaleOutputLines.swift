import Foundation
import Synchronization

/// The lines a child process writes to one pipe, each with the moment it arrived, collected on the pipe's
/// reader thread so the benchmark can wait for a log line (and know when it came) without blocking the child.
final class ScaleOutputLines: Sendable {
    struct Line: Sendable {
        var at: ContinuousClock.Instant
        var text: String
    }

    private let state = Mutex<(lines: [Line], partial: [UInt8], closed: Bool)>(([], [], false))

    /// Starts reading `pipe` until its writer closes it.
    init(_ pipe: Pipe) {
        pipe.fileHandleForReading.readabilityHandler = { [self] handle in
            let data = handle.availableData
            let now = ContinuousClock.now
            if data.isEmpty {
                handle.readabilityHandler = nil
                self.state.withLock { $0.closed = true }
                return
            }
            self.append(data, at: now)
        }
    }

    private func append(_ data: Data, at now: ContinuousClock.Instant) {
        state.withLock { state in
            for byte in data {
                if byte == UInt8(ascii: "\n") {
                    state.lines.append(Line(at: now, text: String(decoding: state.partial, as: UTF8.self)))
                    state.partial.removeAll(keepingCapacity: true)
                } else {
                    state.partial.append(byte)
                }
            }
        }
    }

    /// Every complete line so far.
    var lines: [Line] { state.withLock { $0.lines } }

    /// The first complete line containing `text`, if it has arrived.
    func first(containing text: String) -> Line? { state.withLock { $0.lines.first { $0.text.contains(text) } } }

    /// The last `count` lines, for error messages.
    func tail(_ count: Int = 15) -> String { state.withLock { $0.lines.suffix(count).map(\.text).joined(separator: "\n") } }
}
