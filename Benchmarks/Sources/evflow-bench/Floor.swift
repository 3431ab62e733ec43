import Foundation

/// The floor: what the EV flow's unavoidable work costs on this machine, measured rather than computed.
///
/// `costs` times one durable write and one HTTP call, sequentially (the medians are `floor.fsync_write_ms` and
/// `floor.http_rtt_ms`). `run` then performs, per "flow", the flow's measured number of durable writes,
/// extra fsyncs and HTTP calls back to back, with the same closed loop and concurrency as the engines: its
/// flows/s is what an engine with zero overhead of its own would reach, so `flow.floor_ratio_C` (engine ÷
/// floor) says how much of the hardware's capacity the engine uses.
enum Floor {
    /// The flow's durable work and HTTP calls, as measured from evflow's store counters.
    struct Work: Sendable, CustomStringConvertible {
        var writes: Int
        /// fsyncs beyond the 2 of each whole-file write (for example a directory fsync after a removal).
        var extraFsyncs: Int
        var httpCalls: Int

        var description: String { "\(writes) durable writes + \(extraFsyncs) extra fsyncs + \(httpCalls) HTTP calls" }
    }

    struct Costs: Sendable {
        var fsyncWriteMilliseconds: Double
        var httpRoundTripMilliseconds: Double
        var fsyncWriteP99Milliseconds: Double
        var httpRoundTripP99Milliseconds: Double
    }

    static func costs(write: FloorWrite, request: FloorRequest, samples: Int) async throws -> Costs {
        let clock = ContinuousClock()
        for _ in 0..<20 { try await request.send() }  // warm connection
        var writes: [Double] = []
        var calls: [Double] = []
        for index in 0..<samples {
            let started = clock.now
            try write.replace("floor-sequential-\(index % 8).json")
            writes.append((clock.now - started) / .milliseconds(1))
            let sent = clock.now
            try await request.send()
            calls.append((clock.now - sent) / .milliseconds(1))
        }
        writes.sort()
        calls.sort()
        return Costs(
            fsyncWriteMilliseconds: writes[writes.count / 2],
            httpRoundTripMilliseconds: calls[calls.count / 2],
            fsyncWriteP99Milliseconds: writes[min(writes.count - 1, writes.count * 99 / 100)],
            httpRoundTripP99Milliseconds: calls[min(calls.count - 1, calls.count * 99 / 100)]
        )
    }

    /// The floor at `concurrency`: each session does `work`'s writes, fsyncs and calls interleaved (a write
    /// before each call, as the engine records intent before a side effect), each session on its own file.
    /// With `lanes`, the blocking file calls run on the session's own thread (the disk's floor); without, on
    /// the cooperative pool (what an engine gets that calls fsync from async code).
    static func run(
        work: Work, write: FloorWrite, request: FloorRequest, lanes: FloorLanes?, concurrency: Int,
        warmup: Duration, window: Duration
    ) async throws -> FlowLoad.Result {
        let steps = max(work.writes, work.httpCalls)
        return try await FlowLoad.run(concurrency: concurrency, warmup: warmup, window: window) { number, worker in
            let file = "floor-session-\(number).json"
            func blocking(_ body: @escaping @Sendable () throws -> Void) async throws {
                if let lanes { try await lanes.run(worker, body) } else { try body() }
            }
            for step in 0..<steps {
                if step < work.writes { try await blocking { try write.replace(file) } }
                if step < work.httpCalls { try await request.send() }
            }
            for _ in 0..<work.extraFsyncs { try await blocking { try write.syncDirectory() } }
        }
    }
}
