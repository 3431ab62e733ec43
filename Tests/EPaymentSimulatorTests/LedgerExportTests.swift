import CurlHTTP
import EPaymentSimulator
import Foundation
import Testing

/// The ledger export, in process and over the control endpoint.
@Suite("Ledger export")
struct LedgerExportTests {
    @Test func theControlEndpointExportsWhatTheInProcessLedgerHolds() async throws {
        try await withTestSimulator { simulator, api throws in
            try await api.authorized("ledger-0001", value: 2000)
            #expect(try await api.capture("ledger-0001", 1500, key: "cap").status == 200)
            #expect(try await api.create("ledger-0002").status == 201)

            let response = try await api.send(.get, "/_sim/ledger")
            #expect(response.status == 200)
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .custom { decoder in
                let text = try decoder.singleValueContainer().decode(String.self)
                return try Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            }
            let exported = try decoder.decode(Ledger.self, from: Data(response.response.body))
            #expect(exported == simulator.ledger())
            #expect(exported.payments.map(\.reference) == ["ledger-0001", "ledger-0002"])
            let first = try #require(exported.payment(reference: "ledger-0001"))
            #expect(first.aggregate == LedgerAggregate(authorized: 2000, captured: 1500))
            #expect(first.events(named: "CAPTURED").map(\.idempotencyKey) == ["cap"])
            #expect(first.msn == "123456")
            #expect(exported.payment(reference: "ledger-0002")?.state == "CREATED")
        }
    }

    @Test func paymentsAreKeptPerMerchant() async throws {
        try await withTestSimulator { simulator, api throws in
            var other = api
            other.msn = "654321"
            #expect(try await api.create("shared-ref-01").status == 201)
            #expect(try await other.create("shared-ref-01").status == 201, "references are unique per MSN only")
            #expect(try await other.get("shared-ref-01").status == 200)
            #expect(throws: SimulatorError.self) { try simulator.approve(reference: "shared-ref-01") }
            try simulator.approve(reference: "shared-ref-01", msn: "654321")
            #expect(try await other.get("shared-ref-01").state == "AUTHORIZED")
            #expect(try await api.get("shared-ref-01").state == "CREATED")
            #expect(simulator.ledger().payments.count == 2)
        }
    }
}
