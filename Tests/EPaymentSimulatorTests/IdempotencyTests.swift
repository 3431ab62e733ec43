import CurlHTTP
import EPaymentSimulator
import Testing

/// Idempotency as the real API does it (facts section 14).
@Suite("Idempotency keys make retries safe")
struct IdempotencyTests {
    @Test func sameKeyAndBodyReplaysWithoutASecondCapture() async throws {
        try await withTestSimulator { simulator, api throws in
            try await api.authorized("idem-0001", value: 1000)
            let first = try await api.capture("idem-0001", 400, key: "capture-1")
            let again = try await api.capture("idem-0001", 400, key: "capture-1")
            #expect(first.status == 200)
            #expect(again.status == 200)
            #expect(again.text == first.text)
            let payment = try #require(simulator.payment(reference: "idem-0001"))
            #expect(payment.aggregate.captured == 400)
            #expect(payment.events(named: "CAPTURED").count == 1)
            #expect(payment.events(named: "CAPTURED").first?.idempotencyKey == "capture-1")
        }
    }

    @Test func sameKeyWithADifferentBodyIsAConflict() async throws {
        try await withTestSimulator { simulator, api throws in
            try await api.authorized("idem-0002", value: 1000)
            #expect(try await api.capture("idem-0002", 400, key: "capture-1").status == 200)
            let conflict = try await api.capture("idem-0002", 500, key: "capture-1")
            #expect(conflict.status == 409)
            #expect(conflict.title == "Capture idempotency conflict")
            #expect(try await api.refund("idem-0002", 100, key: "refund-1").status == 200)
            #expect(try await api.refund("idem-0002", 50, key: "refund-1").title == "Refund idempotency conflict")
            #expect(simulator.payment(reference: "idem-0002")?.aggregate == LedgerAggregate(authorized: 1000, captured: 400, refunded: 100))
        }
    }

    @Test func createReplaysAndRefusesReusedReferencesAndKeys() async throws {
        try await withTestSimulator { simulator, api throws in
            let first = try await api.create("idem-0003", value: 1000, key: "create-key")
            let replay = try await api.create("idem-0003", value: 1000, key: "create-key")
            #expect(first.status == 201)
            #expect(replay.status == 201)
            #expect(replay.text == first.text)

            let sameReference = try await api.create("idem-0003", value: 1000, key: "another-key")
            #expect(sameReference.status == 409)
            #expect(sameReference.title?.contains("Reference") == true)

            let reusedKey = try await api.create("idem-0004", value: 1000, key: "create-key")
            #expect(reusedKey.status == 409)
            #expect(reusedKey.title?.contains("Idempotency-Key") == true)

            #expect(simulator.ledger().payments.map(\.reference) == ["idem-0003"])
            #expect(simulator.payment(reference: "idem-0003")?.events(named: "CREATED").count == 1)
        }
    }

    @Test func bodiesCompareAsJSONNotAsText() async throws {
        try await withTestSimulator { simulator, api throws in
            try await api.authorized("idem-0005", value: 1000)
            let compact = #"{"modificationAmount":{"currency":"NOK","value":100}}"#
            let spaced = #"{ "modificationAmount" : { "value" : 100, "currency" : "NOK" } }"#
            let path = "/epayment/v1/payments/idem-0005/capture"
            #expect(try await api.send(.post, path, body: compact, idempotencyKey: "k").status == 200)
            #expect(try await api.send(.post, path, body: spaced, idempotencyKey: "k").status == 200)
            #expect(simulator.payment(reference: "idem-0005")?.aggregate.captured == 100)
        }
    }

    @Test func aRefusedRequestIsNotRemembered() async throws {
        try await withTestSimulator { simulator, api throws in
            #expect(try await api.create("idem-0006", value: 1000).status == 201)
            #expect(try await api.capture("idem-0006", 100, key: "early").errorCode == "6080")
            try simulator.approve(reference: "idem-0006")
            #expect(try await api.capture("idem-0006", 100, key: "early").status == 200)
        }
    }

    @Test func cancelWithTheSameKeyReplays() async throws {
        try await withTestSimulator { simulator, api throws in
            try await api.authorized("idem-0007", value: 1000)
            let first = try await api.cancel("idem-0007", key: "cancel-1")
            let again = try await api.cancel("idem-0007", key: "cancel-1")
            #expect(first.status == 200)
            #expect(again.text == first.text)
            #expect(simulator.payment(reference: "idem-0007")?.events(named: "CANCELLED").count == 1)
        }
    }
}
