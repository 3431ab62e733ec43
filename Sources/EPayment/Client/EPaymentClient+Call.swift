import CurlHTTP
import Foundation

extension EPaymentClient {
    /// One prepared API call: validated, with its body encoded once so that every retry sends identical bytes.
    struct Call: Sendable {
        var operation: EPaymentOperation
        var method: HTTPMethod
        var path: String
        var reference: String?
        var idempotencyKey: String?
        var body: [UInt8]?

        init(
            operation: EPaymentOperation, method: HTTPMethod, path: String, reference: String?,
            idempotencyKey: String? = nil
        ) throws(EPaymentError) {
            self.operation = operation
            self.method = method
            self.path = path
            self.reference = reference
            self.idempotencyKey = idempotencyKey
            try validate()
        }

        init<Body: Encodable>(
            operation: EPaymentOperation, method: HTTPMethod, path: String, reference: String?,
            idempotencyKey: String?, body: Body
        ) throws(EPaymentError) {
            try self.init(
                operation: operation, method: method, path: path, reference: reference, idempotencyKey: idempotencyKey)
            let encoder = JSONEncoder()
            // Sorted keys: the same request always encodes to the same bytes.
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            do {
                self.body = Array(try encoder.encode(body))
            } catch {
                throw invalid("the request body cannot be encoded as JSON: \(error)")
            }
        }

        private func validate() throws(EPaymentError) {
            if let reference, !CreatePaymentRequest.isValidReference(reference) {
                throw invalid(
                    "the reference '\(reference)' does not match ^[a-zA-Z0-9-]{8,64}$ (8 to 64 letters, digits or hyphens); nothing was sent")
            }
            if let key = idempotencyKey {
                guard (1...50).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                    throw invalid(
                        "the Idempotency-Key must be 1 to 50 visible ASCII characters, got \(key.utf8.count) bytes; nothing was sent")
                }
            }
            // Neither the Webhooks API (webhooks-openapi.yaml) nor the Order Management receipt (the order id is its
            // identity) takes an Idempotency-Key; every ePayment POST needs one.
            if method == .post && idempotencyKey == nil && operation != .registerWebhook && operation != .postReceipt {
                throw invalid("every POST needs an Idempotency-Key; nothing was sent")
            }
        }

        func invalid(_ detail: String) -> EPaymentError {
            EPaymentError(
                .invalid, operation: operation, reference: reference, idempotencyKey: idempotencyKey, attempts: 0,
                detail: detail)
        }
    }

    /// Decodes a success body by status code, not content type: the spec declares modification responses as
    /// `application/problem+json` although they are plain ModificationResponse objects.
    func decode<T: Decodable>(_ type: T.Type, from response: HTTPResponse, _ call: Call) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            throw EPaymentError(
                .unexpectedResponse, operation: call.operation, reference: call.reference,
                idempotencyKey: call.idempotencyKey, httpStatus: response.status,
                detail: "the \(response.status) response body is not a \(T.self): \(Self.decodingSummary(error))")
        }
    }

    private static func decodingSummary(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing \((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}

extension CreatePaymentRequest {
    /// Whether `reference` matches the spec's `^[a-zA-Z0-9-]{8,64}$`. The client checks it before sending,
    /// so a bad reference fails fast with a clear error instead of a server 400.
    public static func isValidReference(_ reference: String) -> Bool {
        let bytes = reference.utf8
        guard (8...64).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2D
        }
    }
}
