import EvflowTestSupport
import Foundation

/// `GET /v1/instances/{id}` as the tests read it (`docs/api.yaml`, schema `Instance`).
struct APIInstance: Decodable, Sendable {
    struct Payment: Decodable, Sendable {
        var reference: String
        var state: String
        var reserved: Int
        var captured: Int
        var released: Int
        var refunded: Int?
        var held: Int
        var redirectUrl: String?
        var captureDeadline: String?
    }

    struct Failure: Decodable, Sendable {
        var code: String
        var message: String
    }

    var id: String
    var status: String
    var step: String?
    var wakeAt: String?
    var createdAt: String?
    var payment: Payment?
    var failure: Failure?
    var output: [String: JSONValue]?
}

/// An `application/problem+json` body (RFC 9457) as the API sends it.
struct APIProblemBody: Decodable, Sendable {
    var status: Int
    var title: String
    var detail: String
    var code: String?
    var problems: [String]?
    /// The JSON path of the wrong request field (OCPP meter values).
    var field: String?
}

/// `POST /v1/instances/{id}/meter-values`'s answer.
struct APIMeterValuesReceipt: Decodable, Sendable {
    var instance: String
    var signal: String
    var signalId: String
    var accepted: Bool
    var ignored: String?
    var ocppVersion: String
    var transactionId: String
    var seqNo: Int?
    var energyWh: Int?
    var exactWattHours: String?
    var ended: Bool
}

/// `POST /webhooks/epayment`'s answer.
struct WebhookReceipt: Decodable, Sendable {
    var outcome: String
    var instance: String?
}

/// `POST /v1/instances/{id}/signals/{name}`'s answer.
struct SignalReceipt: Decodable, Sendable {
    var instance: String
    var signal: String
    var signalId: String?
    var accepted: Bool
}

/// `GET /v1/instances`.
struct APIInstanceList: Decodable, Sendable {
    struct Row: Decodable, Sendable {
        var id: String
        var status: String
        var step: String?
    }

    var instances: [Row]
}
