import Foundation

extension BuiltProduct {
    /// Runs the product to completion (see ``ChildProcess/run(_:_:environment:standardInput:mergingStandardError:timeout:)``).
    /// - Throws: ``NotBuilt`` when it is not built, or when it cannot be started.
    package func run(_ arguments: [String], environment: [String: String]? = nil, standardInput: String? = nil,
                     mergingStandardError: Bool = false, timeout: Duration = .seconds(120)) async throws -> ChildProcess.Output {
        try await ChildProcess.run(try url(), arguments, environment: environment, standardInput: standardInput,
                                   mergingStandardError: mergingStandardError, timeout: timeout)
    }

    /// Starts the product without waiting for it (a server, a worker).
    package func launch(_ arguments: [String], environment: [String: String]? = nil,
                        mergingStandardError: Bool = false) throws -> ChildProcess {
        try ChildProcess(try url(), arguments, environment: environment, mergingStandardError: mergingStandardError)
    }
}
