/// A client under test: sends one GET to the benchmark server and returns the body.
///
/// Both implementations read the whole body before returning, as a payment call would.
protocol BenchClient: Sendable {
    /// The short name used in result keys (`curl`, `ahc`).
    var name: String { get }
    /// Sends `GET <base><path>` and returns the response body; throws on any non-200 status.
    func get(_ path: String) async throws -> [UInt8]
    func shutdown() async throws
}

/// A response that the benchmark did not expect; any of these aborts the run.
struct UnexpectedResponse: Error, CustomStringConvertible {
    var client: String
    var status: Int
    var description: String { "\(client): unexpected HTTP status \(status)" }
}
