import EPayment
import Testing

@testable import evflow

/// What `evflow webhooks register` decides to call, from the registrations that exist and its record: register
/// before delete, never touch another system's webhooks, finish a move that stopped halfway.
struct WebhookRegistrationPlanTests {
    static let ours = "https://pay.example.com/webhooks/epayment"
    static let events = WebhookEventType.ePaymentEvents

    static func registration(_ id: String, _ url: String, _ events: [WebhookEventType] = Self.events) -> WebhookRegistration {
        WebhookRegistration(id: id, url: url, events: events)
    }

    static let unrelated = registration("other-system", "https://erp.example.com/vipps", [.paymentCaptured])

    @Test func aFirstRegistrationDeletesOnlyOrphansOfItsOwnURL() {
        let orphan = Self.registration("orphan", Self.ours)
        let plan = WebhookRegistrationPlan(url: Self.ours, events: Self.events, record: nil, secretFileExists: false, existing: [Self.unrelated, orphan])
        #expect(plan.registers)
        #expect(plan.deletions == [orphan], "a registration of our URL whose secret we lack; never another system's")
    }

    @Test func theSameURLEventsAndSecretChangeNothing() {
        let record = WebhookRegistrationRecord(id: "current", url: Self.ours, events: Self.events, replaces: ["left-over"])
        let existing = [Self.registration("current", Self.ours), Self.registration("left-over", "https://old.example.com/webhooks/epayment"), Self.unrelated]
        let plan = WebhookRegistrationPlan(url: Self.ours, events: Self.events.reversed(), record: record, secretFileExists: true, existing: existing)
        #expect(!plan.registers && plan.current?.id == "current")
        #expect(plan.deletions.map(\.id) == ["left-over"], "a move that stopped before deleting is finished")
    }

    @Test func aLostSecretFileOrOtherEventsRegisterAnew() {
        let record = WebhookRegistrationRecord(id: "current", url: Self.ours, events: Self.events, replaces: [])
        let existing = [Self.registration("current", Self.ours)]
        let lost = WebhookRegistrationPlan(url: Self.ours, events: Self.events, record: record, secretFileExists: false, existing: existing)
        #expect(lost.registers && lost.deletions.map(\.id) == ["current"])
        let fewer = WebhookRegistrationPlan(url: Self.ours, events: [.paymentAuthorized], record: record, secretFileExists: true, existing: existing)
        #expect(fewer.registers && fewer.deletions.map(\.id) == ["current"])
    }

    @Test func aMoveRegistersTheNewURLAndDeletesTheRecordedOne() {
        let old = "https://old.example.com/webhooks/epayment"
        let record = WebhookRegistrationRecord(id: "old-id", url: old, events: Self.events, replaces: [])
        let plan = WebhookRegistrationPlan(url: Self.ours, events: Self.events, record: record, secretFileExists: true,
                                           existing: [Self.registration("old-id", old), Self.unrelated])
        #expect(plan.registers && plan.deletions.map(\.id) == ["old-id"])
    }

    @Test func aRunThatStoppedWhileSavingTheSecretStartsAfresh() {
        var record = WebhookRegistrationRecord(id: "current", url: Self.ours, events: Self.events, replaces: [])
        record.pending = "half-done"
        let existing = [Self.registration("current", Self.ours), Self.registration("half-done", Self.ours)]
        let plan = WebhookRegistrationPlan(url: Self.ours, events: Self.events, record: record, secretFileExists: true, existing: existing)
        #expect(plan.registers, "the secret file may hold either secret")
        #expect(Set(plan.deletions.map(\.id)) == ["current", "half-done"])
    }

    @Test func theURLAndEventsAreCheckedBeforeAnyCall() throws {
        #expect(try WebhooksRegisterCommand.webhookURL("https://pay.example.com/evflow/") == "https://pay.example.com/evflow/webhooks/epayment")
        #expect(try WebhooksRegisterCommand.webhookURL("https://pay.example.com/webhooks/epayment") == Self.ours, "a full receiver URL is taken as it is")
        for bad in [nil, "", "http://pay.example.com", "pay.example.com"] {
            let error = try #require(throws: CommandFailure.self, "\(bad ?? "nil")") { try WebhooksRegisterCommand.webhookURL(bad) }
            #expect(error.status == .usage)
        }
        #expect(try WebhooksRegisterCommand.eventTypes([]) == Self.events)
        #expect(try WebhooksRegisterCommand.eventTypes(["epayments.payment.authorized.v1,epayments.payment.aborted.v1"]) == [.paymentAuthorized, .paymentAborted])
        let unknown = try #require(throws: CommandFailure.self) { try WebhooksRegisterCommand.eventTypes(["epayments.payment.authorised.v1"]) }
        #expect(unknown.status == .usage && unknown.message.contains("epayments.payment.authorized.v1"))
    }
}
