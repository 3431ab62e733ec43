import FlowEngine
import Foundation

/// An instance as the API returns it (`docs/api.yaml`, schema `Instance`): status, step, money and outcome.
struct InstanceResource: Encodable, Sendable {
    struct Payment: Encodable, Sendable {
        var reference: String
        var state: String
        var currency: String
        /// Minor units, as last confirmed by the provider.
        var reserved: Int64
        var authorized: Int64
        var captured: Int64
        /// Given back to the customer (cancelled).
        var released: Int64
        var refunded: Int64
        /// Authorized and neither captured nor released.
        var held: Int64
        /// Where the customer approves (landing page, app or QR link), while the payment is CREATED.
        var redirectUrl: String?
        /// When the provider cancels the payment unless it is captured or released (``CaptureWindows``), once
        /// authorized.
        var captureDeadline: Date?
    }

    struct Failure: Encodable, Sendable {
        var code: String
        var message: String
        var step: String?
    }

    var id: String
    var flow: String
    var version: Int
    var status: String
    var step: String?
    var createdAt: Date
    var updatedAt: Date
    var wakeAt: Date?
    var payment: Payment?
    var failure: Failure?
    var cancellationRequest: String?
    var output: [String: PlainValue]?
    /// Why the instance needs an operator, in list responses.
    var stuck: String?

    /// - Parameter captureWindows: the deployment's capture windows, for ``Payment/captureDeadline``.
    init(_ instance: FlowInstance, captureWindows: CaptureWindows) {
        id = instance.id
        flow = instance.flow.name
        version = instance.flow.version
        status = instance.status.rawValue
        step = instance.currentStep
        createdAt = instance.createdAt
        updatedAt = instance.updatedAt
        wakeAt = instance.wakeAt
        payment = instance.payment.map { p in
            Payment(reference: p.reference, state: p.state, currency: p.currency, reserved: p.reserved, authorized: p.authorized,
                    captured: p.captured, released: p.cancelled, refunded: p.refunded, held: p.held,
                    redirectUrl: instance.paymentLink?.redirectURL,
                    captureDeadline: captureWindows.deadline(of: p, startedAt: instance.createdAt))
        }
        failure = instance.failure.map { Failure(code: $0.code.rawValue, message: $0.message, step: $0.step) }
        cancellationRequest = instance.cancellationRequest
        output = instance.output?.mapValues(PlainValue.init)
    }
}

/// A summary row of `GET /v1/instances`.
struct InstanceList: Encodable, Sendable {
    var instances: [InstanceSummary]
}

/// A ``Value`` in the plain JSON a backend sends: money `{"value": 7971, "currency": "NOK"}`, durations
/// `"1h30m"`, everything else as itself (the same shapes `start` and `signal` accept).
struct PlainValue: Encodable, Sendable {
    let value: Value

    init(_ value: Value) { self.value = value }

    private enum MoneyKeys: String, CodingKey { case value, currency }

    func encode(to encoder: any Encoder) throws {
        switch value {
        case .money(let money):
            var container = encoder.container(keyedBy: MoneyKeys.self)
            try container.encode(money.minorUnits, forKey: .value)
            try container.encode(money.currency, forKey: .currency)
        case .integer(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .boolean(let flag):
            var container = encoder.singleValueContainer()
            try container.encode(flag)
        case .string(let text), .phoneNumber(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .duration(let duration):
            var container = encoder.singleValueContainer()
            try container.encode(duration.description)
        }
    }
}
