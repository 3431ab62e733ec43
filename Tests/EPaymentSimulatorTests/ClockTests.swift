import CurlHTTP
import EPaymentSimulator
import Foundation
import Testing

/// Time-dependent behaviour on a virtual clock: nothing here waits in real time.
@Suite("Expiry and auto-approval on the simulator clock")
struct ClockTests {
    @Test func anUnansweredPaymentExpiresAfterTenMinutes() async throws {
        try await withTestSimulator { simulator, api throws in
            #expect(try await api.create("clock-0001").status == 201)
            try simulator.advanceClock(by: .seconds(599))
            #expect(try await api.get("clock-0001").state == "CREATED")
            try simulator.advanceClock(by: .seconds(2))
            #expect(try await api.get("clock-0001").state == "EXPIRED")
            let payment = try #require(simulator.payment(reference: "clock-0001"))
            #expect(payment.events.map(\.name) == ["CREATED", "EXPIRED"])
            #expect(payment.events.last?.timestamp == payment.expiresAt)
            #expect(try await api.approve("clock-0001").title == "Approve failed")
        }
    }

    @Test func expiresAtIsHonouredAndChecked() async throws {
        let clock = SimulatorClock.manual()
        try await withTestSimulator(SimulatorConfiguration(accessTokenLifetime: .seconds(86_400)), clock: clock) { simulator, api throws in
            let later = clock.now.addingTimeInterval(3600).formatted(Date.ISO8601FormatStyle())
            let receipt = #","receipt":{"orderLines":[{"name":"kWh","id":"1","totalAmount":1000,"totalAmountExcludingTax":800,"totalTaxAmount":200}],"bottomLine":{"currency":"NOK"}}"#
            #expect(try await api.create("clock-0002", extra: #","expiresAt":"\#(later)""# + receipt).status == 201)
            try simulator.advanceClock(by: .seconds(3599))
            #expect(try await api.get("clock-0002").state == "CREATED")
            try simulator.advanceClock(by: .seconds(1))
            #expect(try await api.get("clock-0002").state == "EXPIRED")

            let tooSoon = clock.now.addingTimeInterval(60).formatted(Date.ISO8601FormatStyle())
            let refused = try await api.create("clock-0003", extra: #","expiresAt":"\#(tooSoon)""# + receipt)
            #expect(refused.title == "Expiration date invalid")
            let noReceipt = try await api.create("clock-0004", extra: #","expiresAt":"\#(later)""#)
            #expect(noReceipt.detailNames == ["receipt"])
        }
    }

    @Test func theCapturePeriodIs14DaysForMobilePayAnd180ForVipps() async throws {
        // Facts section 12: Denmark and Finland (DKK, EUR) 14 days after authorization, Norway (NOK) 180.
        try await withTestSimulator(SimulatorConfiguration(accessTokenLifetime: .seconds(365 * 86_400))) { simulator, api throws in
            #expect(try await api.create("period-dkk", currency: "DKK").status == 201)
            #expect(try await api.create("period-nok").status == 201)
            #expect(try await api.approve("period-dkk").status == 200)
            #expect(try await api.approve("period-nok").status == 200)
            try simulator.advanceClock(by: .seconds(14 * 86_400 + 1))
            let late = try await api.capture("period-dkk", 100, currency: "DKK")
            #expect(late.title == "Capture period expired", "\(late)")
            #expect(try await api.cancel("period-dkk").status == 400)
            #expect(try await api.capture("period-nok", 100).status == 200, "a Vipps payment is still inside its window")
            try simulator.advanceClock(by: .seconds(166 * 86_400))
            #expect(try await api.capture("period-nok", 100).title == "Capture period expired")
        }
    }

    @Test func autoApproveForDemos() async throws {
        try await withTestSimulator(SimulatorConfiguration(autoApproveAfter: .milliseconds(1500))) { simulator, api throws in
            #expect(try await api.create("clock-0005").status == 201)
            try simulator.advanceClock(by: .seconds(1))
            #expect(try await api.get("clock-0005").state == "CREATED")
            try simulator.advanceClock(by: .seconds(1))
            #expect(try await api.get("clock-0005").state == "AUTHORIZED")
            #expect(try await api.capture("clock-0005", 1000).status == 200)
        }
    }

    @Test func autoApproveOnTheSystemClockNeedsNoPolling() async throws {
        try await withWebhookReceiver { receiver, url in
            let configuration = SimulatorConfiguration(
                autoApproveAfter: .milliseconds(100), webhooks: WebhookConfiguration(urls: [url])
            )
            try await withTestSimulator(configuration, clock: .system()) { simulator, api throws in
                #expect(try await api.create("clock-0006").status == 201)
                // Nobody reads the payment: the background sweep approves it and the webhook says so.
                let deliveries = try await receiver.waitFor(2)
                let names = deliveries.compactMap { String(decoding: $0.body, as: UTF8.self).firstMatch(of: /"name":"([A-Z]+)"/)?.1 }
                #expect(names == ["CREATED", "AUTHORIZED"])
            }
        }
    }

    @Test func theClockIsMovedThroughTheControlEndpoint() async throws {
        try await withTestSimulator { simulator, api throws in
            #expect(try await api.create("clock-0007").status == 201)
            #expect(try await api.send(.post, "/_sim/clock/advance?seconds=601").status == 200)
            #expect(simulator.payment(reference: "clock-0007")?.state == "EXPIRED")
        }
        try await withTestSimulator(clock: .system()) { simulator, api throws in
            #expect(try await api.send(.post, "/_sim/clock/advance?seconds=1").status == 409)
            #expect(throws: SimulatorError.self) { try simulator.advanceClock(by: .seconds(1)) }
        }
    }
}

