import EvflowTestSupport

/// The fields of an instance's state file (`instances/<id>.json`) the CLI tests read, decoded from the file the
/// built `evflow` wrote.
struct StateFile: Decodable {
    struct Payment: Decodable {
        var reference: String
        var captured: Int?
        var refunded: Int?
    }

    /// An operator refund (`evflow refund`).
    struct Refund: Decodable {
        var idempotencyKey: String?
        var confirmedAt: String?
    }

    struct Failure: Decodable {
        var code: String
    }

    struct HistoryEntry: Decodable {
        var event: String
        var detail: String?
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
    var refunds: [Refund]?
    /// The inputs as stored, for checking what is not kept (the phone number).
    var inputs: [String: JSONValue]?
}
