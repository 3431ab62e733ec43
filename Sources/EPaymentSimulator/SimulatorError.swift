/// A misuse of the simulator's in-process API, with what to do about it.
public struct SimulatorError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case clockNotManual
        case paymentNotFound(reference: String)
        case ambiguousReference(reference: String)
        case customerActionRefused(reference: String, state: String, action: String)
        case invalidFaultSpecification(String)
        case portalActionRefused(reference: String, action: String, detail: String)
        case notRunning
    }

    private let code: Code

    static let clockNotManual = SimulatorError(code: .clockNotManual)
    static let notRunning = SimulatorError(code: .notRunning)

    static func paymentNotFound(_ reference: String) -> SimulatorError {
        SimulatorError(code: .paymentNotFound(reference: reference))
    }

    static func ambiguousReference(_ reference: String) -> SimulatorError {
        SimulatorError(code: .ambiguousReference(reference: reference))
    }

    static func customerActionRefused(_ reference: String, state: String, action: String) -> SimulatorError {
        SimulatorError(code: .customerActionRefused(reference: reference, state: state, action: action))
    }

    static func portalActionRefused(_ reference: String, action: String, detail: String) -> SimulatorError {
        SimulatorError(code: .portalActionRefused(reference: reference, action: action, detail: detail))
    }

    static func invalidFaultSpecification(_ text: String) -> SimulatorError {
        SimulatorError(code: .invalidFaultSpecification(text))
    }

    public var description: String {
        switch code {
        case .clockNotManual:
            "the simulator clock follows the system clock and cannot be moved; start the simulator with SimulatorClock.manual()"
        case .paymentNotFound(let reference):
            "no payment with reference '\(reference)' in the simulator ledger; check the reference and the MSN"
        case .ambiguousReference(let reference):
            "reference '\(reference)' exists under several MSNs; pass the MSN as well"
        case .customerActionRefused(let reference, let state, let action):
            "the customer cannot \(action) payment '\(reference)': it is \(state), and only CREATED payments await the customer"
        case .portalActionRefused(let reference, let action, let detail):
            "the merchant portal cannot \(action) payment '\(reference)': \(detail)"
        case .invalidFaultSpecification(let text):
            "invalid fault specification: \(text)"
        case .notRunning:
            "the simulator server is not running; use withSimulator { } or SimulatorServer.run(onReady:)"
        }
    }
}
