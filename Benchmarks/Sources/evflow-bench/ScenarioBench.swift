import Foundation

/// Placeholder: replaced by the suite's implementation.
enum ScenarioBench {
    static func run(_ arguments: [String]) async throws {
        throw BenchError("the \(arguments) suite is not built yet")
    }
}
