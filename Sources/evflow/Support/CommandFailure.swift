import ArgumentParser
import EPayment
import FlowEngine

/// A command failed in a way the operator must act on; carries the documented exit code.
struct CommandFailure: Error, CustomStringConvertible {
    /// The exit codes `evflow --help` documents.
    enum Status: Int32 {
        /// The operation failed (payment error, flow failed, test failed).
        case failure = 1
        /// Bad usage or bad input (unknown flow, invalid definition or inputs).
        case usage = 2
        /// Not found (no such instance or flow).
        case notFound = 3
        /// State problem (corrupt or unreadable state file, lock held by another runner, database schema not migrated).
        case state = 4
        /// The store's database cannot be reached (down, refusing connections, bad credentials).
        case unavailable = 5
    }

    var status: Status
    var message: String

    init(_ status: Status, _ message: String) {
        self.status = status
        self.message = message
    }

    var description: String { message }

    /// The exit code for any error a command can throw.
    static func status(for error: any Error) -> Status {
        switch error {
        case let error as CommandFailure: return error.status
        case let error as FlowError:
            switch error.code {
            case .unknownInstance, .unknownFlow: return .notFound
            case .definitionMissing, .locked, .outcomeNotSaved: return .state
            case .finished: return .failure
            default: return .usage
            }
        case let error as StoreError:
            switch error.code {
            case .notFound: return .notFound
            case .invalidID: return .usage
            case .unavailable: return .unavailable
            default: return .state
            }
        case is DefinitionValidationError, is InputValidationError, is EPaymentConfigurationError: return .usage
        default: return .failure
        }
    }
}
