import Foundation

/// The JSON bodies the simulator sends, shaped exactly like the spec's schemas (epayment-openapi.yaml v1.7.0).
enum Wire {
    struct Amount: Encodable {
        var currency: String
        var value: Int64
    }

    struct Aggregate: Encodable {
        var authorizedAmount: Amount
        var cancelledAmount: Amount
        var capturedAmount: Amount
        var refundedAmount: Amount
    }

    struct PaymentMethod: Encodable {
        var type: String
    }

    struct Profile: Encodable {
        var sub: String?
    }

    struct CreatePaymentResponse: Encodable {
        var redirectUrl: String?
        var reference: String
    }

    struct GetPaymentResponse: Encodable {
        var aggregate: Aggregate
        var amount: Amount
        var state: String
        var paymentMethod: PaymentMethod
        var profile: Profile
        var pspReference: String
        var redirectUrl: String?
        var reference: String
        var metadata: [String: String]?
    }

    struct ModificationResponse: Encodable {
        var amount: Amount
        var state: String
        var aggregate: Aggregate
        var pspReference: String
        var reference: String
    }

    /// `PaymentEvent`. The spec lists `paymentAction` as required without defining it (a spec bug carried since
    /// v1.4.1), so it is sent as well, equal to `name`, and the body validates against the schema as published.
    struct PaymentEvent: Encodable {
        var reference: String
        var pspReference: String
        var name: String
        var paymentAction: String
        var amount: Amount
        var timestamp: String
        var idempotencyKey: String?
        var success: Bool

        enum CodingKeys: String, CodingKey {
            case reference, pspReference, name, paymentAction, amount, timestamp, idempotencyKey, success
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(reference, forKey: .reference)
            try container.encode(pspReference, forKey: .pspReference)
            try container.encode(name, forKey: .name)
            try container.encode(paymentAction, forKey: .paymentAction)
            try container.encode(amount, forKey: .amount)
            try container.encode(timestamp, forKey: .timestamp)
            // The spec makes idempotencyKey nullable; send an explicit null like the real event log does.
            try container.encode(idempotencyKey, forKey: .idempotencyKey)
            try container.encode(success, forKey: .success)
        }
    }

    /// `WebhookEvent`: the event plus the merchant serial number.
    struct WebhookEvent: Encodable {
        var msn: String
        var reference: String
        var pspReference: String
        var name: String
        var amount: Amount
        var timestamp: String
        var idempotencyKey: String?
        var success: Bool

        enum CodingKeys: String, CodingKey {
            case msn, reference, pspReference, name, amount, timestamp, idempotencyKey, success
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(msn, forKey: .msn)
            try container.encode(reference, forKey: .reference)
            try container.encode(pspReference, forKey: .pspReference)
            try container.encode(name, forKey: .name)
            try container.encode(amount, forKey: .amount)
            try container.encode(timestamp, forKey: .timestamp)
            try container.encode(idempotencyKey, forKey: .idempotencyKey)
            try container.encode(success, forKey: .success)
        }
    }

    struct Problem: Encodable {
        var type: String
        var title: String
        var detail: String
        var status: Int
        var traceId: String
        var extraDetails: [EPaymentSimulator.Problem.ExtraDetail]?
    }

    /// The Order Management API's error body (order-management-openapi.yaml `ErrorResponse`).
    struct OrderManagementProblem: Encodable {
        var type: String
        var title: String
        var detail: String
        var instance: String
        var invalidParams: [EPaymentSimulator.Problem.ExtraDetail]?
    }

    /// The access-token response; every number is a string, as the real endpoint sends them (facts section 4).
    struct AccessToken: Encodable {
        var token_type: String
        var expires_in: String
        var ext_expires_in: String
        var expires_on: String
        var not_before: String
        var resource: String
        var access_token: String
    }

    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every wire type above encodes without failing: only strings, integers, booleans and nested structs.
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

extension Wire.Amount {
    init(_ value: Int64, _ currency: String) { self.init(currency: currency, value: value) }
}

extension PaymentRecord {
    var wireAggregate: Wire.Aggregate {
        let currency = amount.currency
        return Wire.Aggregate(
            authorizedAmount: .init(authorized, currency),
            cancelledAmount: .init(cancelled, currency),
            capturedAmount: .init(captured, currency),
            refundedAmount: .init(refunded, currency)
        )
    }

    var wireGetResponse: Wire.GetPaymentResponse {
        Wire.GetPaymentResponse(
            aggregate: wireAggregate,
            amount: .init(amount.value, amount.currency),
            state: state.rawValue,
            paymentMethod: .init(type: paymentMethodType),
            profile: .init(sub: profileScopeRequested && state == .authorized ? "sim-sub-\(pspReference)" : nil),
            pspReference: pspReference,
            redirectUrl: redirectUrl,
            reference: reference,
            metadata: metadata
        )
    }

    /// Modification responses carry the payment's pspReference, not the event's (core concepts, pspReference).
    var wireModificationResponse: Wire.ModificationResponse {
        Wire.ModificationResponse(
            amount: .init(amount.value, amount.currency),
            state: state.rawValue,
            aggregate: wireAggregate,
            pspReference: pspReference,
            reference: reference
        )
    }

    func wireEvent(_ event: LedgerEvent) -> Wire.PaymentEvent {
        Wire.PaymentEvent(
            reference: reference,
            pspReference: event.pspReference,
            name: event.name,
            paymentAction: event.name,
            amount: .init(event.amount, amount.currency),
            timestamp: Wire.timestamp(event.timestamp),
            idempotencyKey: event.idempotencyKey,
            success: event.success
        )
    }

    func wireWebhook(_ event: LedgerEvent) -> Wire.WebhookEvent {
        Wire.WebhookEvent(
            msn: msn,
            reference: reference,
            pspReference: event.pspReference,
            name: event.name,
            amount: .init(event.amount, amount.currency),
            timestamp: Wire.timestamp(event.timestamp),
            idempotencyKey: event.idempotencyKey,
            success: event.success
        )
    }
}
