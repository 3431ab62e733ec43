import CurlHTTP
import EPaymentSimulator
import EvflowTestSupport
import Foundation
import Testing

/// The Order Management API's receipt endpoint (`POST /order-management/v2/ecom/receipts/{orderId}`), over real
/// sockets: validated against the spec with `invalidParams` naming each field, checked against what is captured,
/// idempotent for an identical body, and kept in the ledger.
@Suite("Order Management receipts")
struct ReceiptTests {
    /// A charging receipt: 49.26 NOK of energy and a 5 NOK start fee, 25 % VAT.
    static func receipt(energy: Int64 = 4926, energyExcluding: Int64 = 3941, fee: Int64 = 500, currency: String = "NOK") -> String {
        """
        {"orderLines":[\
        {"name":"Energy","id":"energy","totalAmount":\(energy),"totalAmountExcludingTax":\(energyExcluding),"totalTaxAmount":\(energy - energyExcluding),\
        "taxRate":2500,"unitInfo":{"unitPrice":399,"quantity":"12.345","quantityUnit":"KWH"}},\
        {"name":"Start fee","id":"start-fee","totalAmount":\(fee),"totalAmountExcludingTax":\(fee * 4 / 5),"totalTaxAmount":\(fee / 5),"taxRate":2500}],\
        "bottomLine":{"currency":"\(currency)"}}
        """
    }

    static func post(_ api: SimulatorAPI, _ orderID: String, _ body: String, type: String = "ecom") async throws -> APIResponse {
        try await api.send(.post, "/order-management/v2/\(type)/receipts/\(orderID)", body: body)
    }

    /// The names in an Order Management problem's `invalidParams`.
    static func invalidParams(_ response: APIResponse) -> [String] {
        struct Body: Decodable {
            struct Param: Decodable { var name: String }
            var invalidParams: [Param]?
        }
        return (try? JSONDecoder().decode(Body.self, from: Data(response.response.body)))?.invalidParams?.map(\.name) ?? []
    }

    @Test func aReceiptForTheCapturedAmountIsStoredAndARepeatIsTheSame() async throws {
        try await withTestSimulator { simulator, api throws in
            try await api.authorized("receipt-0001", value: 50_000)
            #expect(try await api.capture("receipt-0001", 5426).status == 200)
            let first = try await Self.post(api, "receipt-0001", Self.receipt())
            #expect(first.status == 201, "\(first.text)")
            let id = try #require(try? JSONDecoder().decode(String.self, from: Data(first.response.body)))
            let again = try await Self.post(api, "receipt-0001", Self.receipt())
            #expect(again.status == 201 && again.text == first.text, "an identical repeat is answered like the first")
            let stored = try #require(simulator.payment(reference: "receipt-0001")?.receipt)
            #expect(stored.id == id)
            #expect(stored.total == 5426 && stored.totalTax == 1085)
            #expect(stored.orderLines.map(\.id) == ["energy", "start-fee"])
            #expect(stored.orderLines.first?.quantity == "12.345" && stored.orderLines.first?.quantityUnit == "KWH")

            let different = try await Self.post(api, "receipt-0001", Self.receipt().replacingOccurrences(of: "Start fee", with: "Parking"))
            #expect(different.status == 409, "\(different.text)")
            #expect(different.response.headers["Content-Type"] == "application/problem+json")
            #expect(different.text.contains("already has a different receipt"))
            #expect(simulator.payment(reference: "receipt-0001")?.receipt?.id == id, "the first receipt stays")
        }
    }

    @Test func linesMustAddUpToWhatIsCaptured() async throws {
        try await withTestSimulator { simulator, api throws in
            try await api.authorized("receipt-0002", value: 50_000)
            let beforeCapture = try await Self.post(api, "receipt-0002", Self.receipt())
            #expect(beforeCapture.status == 400 && Self.invalidParams(beforeCapture) == ["orderLines"], "\(beforeCapture.text)")
            #expect(beforeCapture.text.contains("nothing captured"))
            #expect(try await api.capture("receipt-0002", 5000).status == 200)
            let tooMuch = try await Self.post(api, "receipt-0002", Self.receipt())
            #expect(tooMuch.status == 400 && Self.invalidParams(tooMuch) == ["orderLines"], "\(tooMuch.text)")
            #expect(tooMuch.text.contains("add up to 5426, but 5000 is captured"))
            let euros = try await Self.post(api, "receipt-0002", Self.receipt(energy: 4500, energyExcluding: 3600, currency: "EUR"))
            #expect(Self.invalidParams(euros) == ["bottomLine.currency"], "\(euros.text)")
            #expect(simulator.payment(reference: "receipt-0002")?.receipt == nil)
            let unknown = try await Self.post(api, "receipt-9999", Self.receipt())
            #expect(unknown.status == 404, "\(unknown.text)")
        }
    }

    @Test func everyFieldAgainstTheSpecIsNamed() async throws {
        try await withTestSimulator { simulator, api throws in
            try await api.authorized("receipt-0003", value: 50_000)
            let bad = """
                {"orderLines":[{"name":"Energy","totalAmount":100,"totalAmountExcludingTax":80,"totalTaxAmount":30,\
                "taxRate":20000,"unitInfo":{"unitPrice":-1,"quantity":"1,5","quantityUnit":"WATT"}},\
                {"name":"Fee","id":"fee","totalAmount":"5","totalAmountExcludingTax":4,"totalTaxAmount":1}],"bottomLine":{}}
                """
            let response = try await Self.post(api, "receipt-0003", bad)
            #expect(response.status == 400)
            #expect(response.response.headers["Content-Type"] == "application/problem+json")
            #expect(Set(Self.invalidParams(response)) == [
                "orderLines[0].id", "orderLines[0].taxRate", "orderLines[0].unitInfo.unitPrice", "orderLines[0].unitInfo.quantity",
                "orderLines[0].unitInfo.quantityUnit", "orderLines[0].totalAmount", "orderLines[1].totalAmount", "orderLines[1].taxRate",
                "bottomLine.currency",
            ], "\(response.text)")
            let empty = try await Self.post(api, "receipt-0003", #"{"orderLines":[],"bottomLine":{"currency":"NOK"}}"#)
            #expect(Self.invalidParams(empty) == ["orderLines"])
            let recurring = try await Self.post(api, "receipt-0003", Self.receipt(), type: "recurring")
            #expect(Self.invalidParams(recurring) == ["paymentType"])
            let anonymous = try await api.send(.post, "/order-management/v2/ecom/receipts/receipt-0003", body: Self.receipt(), authorized: false)
            #expect(anonymous.status == 401)
        }
    }

    /// Every response of the endpoint validates against order-management-openapi.yaml.
    @Test func responsesConformToTheOrderManagementSpec() async throws {
        let configuration = SimulatorConfiguration(rateLimitsEnabled: false, recordsResponses: true)
        let records = try await withTestSimulator(configuration) { simulator, api throws in
            try await api.authorized("receipt-0004", value: 50_000)
            _ = try await Self.post(api, "receipt-0004", Self.receipt())
            _ = try await api.capture("receipt-0004", 5426)
            _ = try await Self.post(api, "receipt-0004", Self.receipt())
            _ = try await Self.post(api, "receipt-0004", Self.receipt(energy: 1, energyExcluding: 1))
            _ = try await Self.post(api, "receipt-9999", Self.receipt())
            return simulator.recordedResponses().filter { $0.operation == SimulatedOperation.postReceipt.rawValue }
        }
        #expect(Set(records.map(\.status)) == [201, 400, 404, 409])
        let (status, output) = try await SpecConformanceTests.check(records, spec: "order-management-openapi.yaml")
        #expect(status == 0, "\(output)")
        #expect(output.contains("all valid"))
    }
}
