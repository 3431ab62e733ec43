import Testing

/// Polls `probe` until it returns a value, at most `timeout`: instead of a fixed `Task.sleep` that is too short on
/// a loaded machine and too long on an idle one.
///
/// At the deadline it fails the test at `sourceLocation` with what was awaited and, when given, what was last seen,
/// and throws (the failure is recorded once: it is a `#require`).
///
/// ```swift
/// let instance = try await waitFor("c-1 to reach meter", lastSeen: { last }) { try store.load("c-1").takeIf(...) }
/// ```
/// - Parameters:
///   - what: what is awaited, for the failure message ("instance c-1 to succeed").
///   - interval: the pause between two probes.
///   - lastSeen: describes the last state seen, for the failure message.
@discardableResult
package func waitFor<Value>(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(20), pollingEvery interval: Duration = .milliseconds(50),
    lastSeen: () -> String? = { nil }, sourceLocation: SourceLocation = #_sourceLocation,
    _ probe: () async throws -> Value?
) async throws -> Value {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
        if let value = try await probe() { return value }
        if clock.now >= deadline { break }
        try await Task.sleep(for: interval)
    }
    let seen = lastSeen().map { "; last seen: \($0)" } ?? ""
    let satisfied: Bool? = nil
    try #require(satisfied != nil, "\(what()) did not happen within \(timeout)\(seen)", sourceLocation: sourceLocation)
    preconditionFailure("unreachable: #require threw")
}

/// Polls `condition` until it holds, at most `timeout`; see ``waitFor(_:timeout:pollingEvery:lastSeen:sourceLocation:_:)``.
package func waitUntil(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(20), pollingEvery interval: Duration = .milliseconds(50),
    lastSeen: () -> String? = { nil }, sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    try await waitFor(what(), timeout: timeout, pollingEvery: interval, lastSeen: lastSeen, sourceLocation: sourceLocation) {
        try await condition() ? true : nil
    }
}
