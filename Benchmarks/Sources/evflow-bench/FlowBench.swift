import Foundation

/// Placeholder: replaced by the suite's implementation.
enum FlowBench {
    static func run(_ arguments: [String]) async throws {
        throw BenchError("the \(arguments) suite is not built yet")
    }
}
