import EvflowTestSupport

/// The fields of an instance's state file (`instances/<id>.json`) the CLI tests read, decoded from the file the
/// built `evflow` wrote.
struct StateFile: Decodable {
    struct Payment: Decodable {
        var reference: String
        var captured: Int?
    }

    struct Failure: Decodable {
        var code: String
    }

    struct HistoryEntry: Decodable {
        var event: String
    }

    struct Step: Decodable {
        var step: String
        var idempotencyKey: String?
    }

    var status: String
    var currentStep: String?
    var wakeAt: String?
    var payment: Payment?
    var failure: Failure?
    var cancellationRequest: String?
    var history: [HistoryEntry]
    var steps: [Step]
    /// The inputs as stored, for checking what is not kept (the phone number).
    var inputs: [String: JSONValue]?
}
