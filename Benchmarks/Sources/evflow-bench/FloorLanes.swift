import Dispatch

/// Threads for the floor's blocking file system calls, one serial lane per floor session.
///
/// Swift's global executor has one thread per core (2 here). A task that calls `fsync` there blocks its
/// thread for the whole flush, so at most 2 fsyncs are ever in flight and nothing else runs meanwhile. The
/// floor is meant to be what the disk and the network allow at C sessions, so its writes run on lanes of
/// their own (serial dispatch queues, each served by its own thread while it blocks), letting C sessions keep
/// up to C fsyncs queued at the disk. `Floor.run(..., lanes: nil)` measures the other case: writes blocking
/// the cooperative pool, as an engine does that calls `fsync` from async code.
final class FloorLanes: Sendable {
    private let queues: [DispatchQueue]

    init(count: Int) {
        queues = (0..<max(1, count)).map { DispatchQueue(label: "evflow-bench.floor-lane-\($0)") }
    }

    /// Runs `body` on lane `index` (modulo the lane count) and returns its result to the calling task.
    func run(_ index: Int, _ body: @escaping @Sendable () throws -> Void) async throws {
        let queue = queues[index % queues.count]
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
