import Foundation

/// A blocking store call on a thread of its own, so the test can act on the server while it waits; its result
/// once it returns.
final class BackgroundCall: Sendable {
    private let outcome = Synchronized<Result<Void, any Error>?>(nil)
    private let began = Date()
    private let took = Synchronized<TimeInterval?>(nil)

    init(_ body: @escaping @Sendable () throws -> Void) {
        let thread = Thread { [outcome, began, took] in
            let result = Result { try body() }
            took.update { $0 = Date().timeIntervalSince(began) }
            outcome.update { $0 = result }
        }
        thread.start()
    }

    /// `nil` while it runs.
    var result: Result<Void, any Error>? { outcome.value }

    /// How long it took, once it returned.
    var seconds: TimeInterval? { took.value }
}
