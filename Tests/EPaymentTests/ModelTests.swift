import EPayment
import Foundation
import Testing

@Suite("Models follow the spec's JSON and tolerate values the server adds later")
struct ModelTests {
    static func json(_ value: some Encodable) throws -> [String: Any] {
        let data = try JSONEncoder().encode(value)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func unknownEnumValuesDecodeAndRoundTrip() throws {
        let text = #"""
            {"aggregate":{"authorizedAmount":{"currency":"SEK","value":0},"cancelledAmount":{"currency":"SEK","value":0},
             "capturedAmount":{"currency":"SEK","value":0},"refundedAmount":{"currency":"SEK","value":0}},
             "amount":{"currency":"SEK","value":1000},"state":"PENDING_REVIEW",
             "paymentMethod":{"type":"VOUCHER"},"profile":{},"pspReference":"psp-1","reference":"charge-0001"}
            """#
        let payment = try JSONDecoder().decode(GetPaymentResponse.self, from: Data(text.utf8))
        #expect(payment.state.rawValue == "PENDING_REVIEW")
        #expect(payment.state != .authorized)
        #expect(payment.amount.currency.rawValue == "SEK")
        #expect(payment.paymentMethod.type.rawValue == "VOUCHER")
        let again = try JSONDecoder().decode(GetPaymentResponse.self, from: JSONEncoder().encode(payment))
        #expect(again == payment)

        let event = #"{"reference":"charge-0001","pspReference":"p","name":"REAUTHORIZED","amount":{"currency":"NOK","value":1},"timestamp":"2024-12-31T00:00:00Z","idempotencyKey":null,"success":true}"#
        #expect(try JSONDecoder().decode(PaymentEvent.self, from: Data(event.utf8)).name.rawValue == "REAUTHORIZED")
        #expect(try JSONDecoder().decode(UserFlow.self, from: Data(#""PAY_BY_THOUGHT""#.utf8)).rawValue == "PAY_BY_THOUGHT")
    }

    @Test func knownEnumValuesMatchTheSpec() throws {
        #expect(PaymentState.authorized.rawValue == "AUTHORIZED")
        #expect(PaymentState.terminated.rawValue == "TERMINATED")
        #expect(UserFlow.pushMessage.rawValue == "PUSH_MESSAGE")
        #expect(UserFlow.nativeRedirect.rawValue == "NATIVE_REDIRECT")
        #expect(UserFlow.webRedirect.rawValue == "WEB_REDIRECT")
        #expect(UserFlow.qr.rawValue == "QR")
        #expect(PaymentEventName.cancelled.rawValue == "CANCELLED")
        #expect(Currency.nok.rawValue == "NOK")
        #expect(try JSONDecoder().decode(PaymentState.self, from: Data(#""CREATED""#.utf8)) == .created)
    }

    @Test func createPaymentRequestEncodesTheSpecKeys() throws {
        let request = CreatePaymentRequest(
            amount: Amount(value: 50_000, currency: .nok), reference: "charge-4711-a", userFlow: .pushMessage,
            customer: .phoneNumber("4791234567"), returnUrl: "https://example.com/back",
            paymentDescription: "EV charging", customerInteraction: .customerPresent,
            expiresAt: Date(timeIntervalSince1970: 1_800_000_000), qrFormat: QRFormat(format: .png, size: 400),
            metadata: ["charger": "12"])
        let json = try Self.json(request)
        let amount = try #require(json["amount"] as? [String: Any])
        #expect(amount["value"] as? Int == 50_000)
        #expect(amount["currency"] as? String == "NOK")
        #expect(json["reference"] as? String == "charge-4711-a")
        #expect(json["userFlow"] as? String == "PUSH_MESSAGE")
        #expect((json["paymentMethod"] as? [String: Any])?["type"] as? String == "WALLET")
        #expect((json["customer"] as? [String: Any])?["phoneNumber"] as? String == "4791234567")
        #expect((json["customer"] as? [String: Any])?.count == 1)
        #expect(json["returnUrl"] as? String == "https://example.com/back")
        #expect(json["paymentDescription"] as? String == "EV charging")
        #expect(json["customerInteraction"] as? String == "CUSTOMER_PRESENT")
        #expect(json["expiresAt"] as? String == "2027-01-15T08:00:00Z")
        #expect((json["qrFormat"] as? [String: Any])?["format"] as? String == "IMAGE/PNG")
        #expect(json["metadata"] as? [String: String] == ["charger": "12"])
        // Absent optionals are left out, not sent as null.
        #expect(json["receipt"] == nil && json["minimumUserAge"] == nil && json["profile"] == nil)
        let decoded = try JSONDecoder().decode(CreatePaymentRequest.self, from: JSONEncoder().encode(request))
        #expect(decoded == request)
    }

    @Test func receiptWithKilowattHoursEncodes() throws {
        let receipt = Receipt(
            orderLines: [
                OrderLine(
                    name: "Charging", id: "session-1", totalAmount: 12_345, totalAmountExcludingTax: 9_876,
                    totalTaxAmount: 2_469, taxRate: 2500,
                    unitInfo: UnitInfo(unitPrice: 450, quantity: "27.433", quantityUnit: .kwh))
            ],
            bottomLine: BottomLine(currency: .nok, posId: "charger-12"))
        let json = try Self.json(receipt)
        let line = try #require((json["orderLines"] as? [[String: Any]])?.first)
        #expect((line["unitInfo"] as? [String: Any])?["quantityUnit"] as? String == "KWH")
        #expect((json["bottomLine"] as? [String: Any])?["currency"] as? String == "NOK")
    }

    @Test func eventTimestampsAcceptFractionsAndOffsets() throws {
        func decode(_ timestamp: String) throws -> Date {
            let text = #"{"reference":"charge-0001","pspReference":"p","name":"CAPTURED","amount":{"currency":"NOK","value":100},"timestamp":"\#(timestamp)","success":true}"#
            return try JSONDecoder().decode(PaymentEvent.self, from: Data(text.utf8)).timestamp
        }
        #expect(try decode("2024-12-31T00:00:00Z").timeIntervalSince1970 == 1_735_603_200)
        #expect(try decode("2024-12-31T02:00:00+02:00").timeIntervalSince1970 == 1_735_603_200)
        #expect(abs(try decode("2024-12-31T00:00:00.250Z").timeIntervalSince1970 - 1_735_603_200.25) < 0.001)
        #expect(throws: DecodingError.self) { try decode("yesterday") }
    }

    @Test func eventEncodesNullIdempotencyKeyAndRFC3339Timestamp() throws {
        let event = WebhookEvent(
            msn: "123456", reference: "charge-0001", pspReference: "p", name: .created,
            amount: Amount(value: 100, currency: .nok), timestamp: Date(timeIntervalSince1970: 1_735_603_200))
        let json = try Self.json(event)
        #expect(json["timestamp"] as? String == "2024-12-31T00:00:00Z")
        #expect(json.keys.contains("idempotencyKey"))
        #expect(json["idempotencyKey"] is NSNull)
        #expect(json["msn"] as? String == "123456")
    }

    @Test func problemExposesErrorCodeAndToleratesMissingFields() throws {
        let text = #"{"type":"https://x","title":"Cannot capture before reservation","status":400,"detail":"d","traceId":"t-1","extraDetails":[{"name":"ErrorCode","reason":"6080"}]}"#
        let problem = try JSONDecoder().decode(Problem.self, from: Data(text.utf8))
        #expect(problem.errorCode == "6080")
        #expect(problem.traceId == "t-1")
        let minimal = try JSONDecoder().decode(Problem.self, from: Data(#"{"title":"Unauthorized","status":401}"#.utf8))
        #expect(minimal.traceId == nil && minimal.errorCode == nil && minimal.type == "about:blank")
    }

    @Test func referencesAreValidatedAgainstTheSpecPattern() {
        for valid in ["abcd1234", "charge-4711-a", String(repeating: "A", count: 64), "--------"] {
            #expect(CreatePaymentRequest.isValidReference(valid), "\(valid)")
        }
        for invalid in ["short-7", String(repeating: "A", count: 65), "has space1", "under_score", "ærlig-ref", "slash/path1", ""] {
            #expect(!CreatePaymentRequest.isValidReference(invalid), "\(invalid)")
        }
    }

    @Test func aggregateRemainingCapturable() {
        let nok = { Amount(value: $0, currency: .nok) }
        let aggregate = Aggregate(
            authorizedAmount: nok(1000), cancelledAmount: nok(0), capturedAmount: nok(250), refundedAmount: nok(0))
        #expect(aggregate.remainingCapturable == 750)
        #expect(Aggregate.zero(.nok).remainingCapturable == 0)
    }

    @Test func customerDescriptionHidesThePhoneNumber() {
        let customer = Customer.phoneNumber("4791234567")
        #expect(!"\(customer)".contains("4791234567"))
        #expect(try! JSONEncoder().encode(customer).count > 0)
    }
}
