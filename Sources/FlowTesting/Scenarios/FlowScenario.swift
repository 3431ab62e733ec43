import EPaymentSimulator
import FlowEngine
import Foundation

/// One flow-definition test, as written in a `flows/tests/*.json` file: a flow, its input, how the payment
/// provider, the customer and the station behave, what happens when (on virtual time), and what must be true
/// at the end.
///
/// Load scenarios with ``ScenarioRunner/load(fileAt:)`` (which checks them against the flow definitions) and
/// run them with ``ScenarioRunner/run(_:)``. The format is documented in `docs/flow-tests.md`.
public struct FlowScenario: Sendable {
    /// The scenario's name, unique within a folder; `evflow test --filter` matches it.
    public let name: String
    /// What the scenario shows, for people.
    public let description: String?
    /// The file it was read from.
    public let file: String
    /// The flow it runs.
    public let flow: String
    /// The instance id; by default `test-` followed by the scenario name.
    public let instanceID: String

    package var inputs: [String: Value]
    /// Rules injected into the simulator before the instance starts, by operation.
    package var faults: [SimulatedOperation: FaultRule]
    /// How many station notifications fail (HTTP 503) from the start.
    package var stationFailures: Int
    /// Everything that happens after the start, in time order (the customer's script included).
    package var timeline: [Event]
    /// The scenario ends when the instance has finished or this much virtual time has passed since its start.
    package var runFor: FlowDuration
    package var expectations: Expectations

    /// Something that happens at a virtual time, measured from the instance's start.
    package struct Event: Sendable {
        package enum Action: Sendable {
            /// Only lets time pass (timers fire on the way).
            case advance
            case signal(name: String, data: [String: Value], id: String?)
            /// An OCPP 1.6 MeterValues or 2.0.1 TransactionEvent message, as the station sent it (JSON text).
            case meterValues(String)
            case customer(CustomerAction)
            /// Sets (or with `nil` clears) the fault rule of one operation.
            case fault(SimulatedOperation, FaultRule?)
            /// The station answers the next `count` notifications with HTTP 503.
            case stationFails(Int)
        }

        package var at: FlowDuration
        package var action: Action
        /// Where it was written, for messages: `$.timeline[2]`.
        package var path: String
    }

    /// What the customer does in the app.
    package enum CustomerAction: String, Sendable, CaseIterable {
        case approve, reject
    }

    /// What must hold when the scenario ends; `nil` fields are not checked. Money is in minor units.
    package struct Expectations: Sendable {
        package var status: String?
        package var failure: String?
        package var paymentState: String?
        package var reserved: Int64?
        package var captured: Int64?
        package var released: Int64?
        package var refunded: Int64?
        package var held: Int64?
        /// Successful CAPTURED events in the provider's event log: `1` is "captured exactly once".
        package var captures: Int?
        /// Payments the provider holds at the end: `1` is "created once", however often the create was sent.
        package var payments: Int?
        /// Step visits in order, exactly.
        package var steps: [String]?
        /// Steps that must be visited in this order, others may come between.
        package var stepsInclude: [String]?
        /// Steps that must never be visited.
        package var stepsExclude: [String]?
        /// Events the station received, in order, exactly (each delivery once, retries not repeated).
        package var notifications: [String]?
        /// The Order Management receipt the provider holds for the payment.
        package var receipt: ReceiptExpectation?
    }

    /// `"receipt": false` (none was sent) or `{"lines": [ids], "total": …, "tax": …}`. A receipt that is expected
    /// must also add up to what the provider's ledger says was captured.
    package enum ReceiptExpectation: Sendable {
        case none
        case sent(lines: [String]?, total: Int64?, tax: Int64?)
    }
}
