import CurlHTTP
import EPaymentSimulator
import EvflowTestSupport
import Foundation
import Testing

/// `evflow webhooks register` run as the operator would, against the simulator's Webhooks API, then the built
/// `evflow serve` verifying what the simulator delivers with the secret the command saved.
@Suite(.serialized)
struct WebhookRegistrationBinaryTests {
    /// Runs the built `evflow` with the provider settings of `fixture` (and no webhook secret).
    static func evflow(_ arguments: [String], _ fixture: ServeFixture, extra: [String: String] = [:]) async throws -> ChildProcess.Output {
        var environment = ServeBinaryTests.environment(fixture)
        environment["EPAYMENT_WEBHOOK_SECRET"] = nil
        return try await ChildProcess.run(
            try BuiltProduct.evflow.url(), arguments,
            environment: ChildProcess.environment(adding: environment.merging(extra) { _, new in new }, removingPrefixes: ["EPAYMENT_", "EVFLOW_"]),
            timeout: .seconds(60))
    }

    @Test(.timeLimit(.minutes(3)))
    func registerThenServeVerifiesTheDeliveriesAndASessionIsAuthorizedByWebhook() async throws {
        // Polling starts only after 10 minutes: within the test, only a verified webhook can authorize.
        try await withServeFixture(webhooks: false, poll: #"{ "firstAfter": "10m", "every": "2s" }"#) { fixture in
            try await TemporaryFolder.with("evflow-webhooks") { folder in
                let secretFile = folder.appending(path: "webhook-secret").path
                let url = "http://127.0.0.1:\(fixture.port)"
                let register = ["webhooks", "register", "--url", url, "--secret-file", secretFile]

                let dryRun = try await Self.evflow(register + ["--dry-run"], fixture)
                #expect(dryRun.status == 0, "\(dryRun)")
                #expect(dryRun.stdout.contains("would POST /webhooks/v1/webhooks"), "\(dryRun)")
                #expect(!FileManager.default.fileExists(atPath: secretFile), "a dry run writes nothing")

                let first = try await Self.evflow(register + ["--json"], fixture)
                #expect(first.status == 0, "\(first)")
                let outcome = try JSONDecoder().decode(RegisterOutcome.self, from: Data(first.stdout.utf8))
                #expect(outcome.status == "registered" && outcome.url == url + "/webhooks/epayment", "\(first)")
                let attributes = try FileManager.default.attributesOfItem(atPath: secretFile)
                #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
                let secret = try String(contentsOfFile: secretFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(secret.count >= 32)
                #expect(!first.output.contains(secret), "the secret is never printed")

                let again = try await Self.evflow(register, fixture)
                #expect(again.status == 0 && again.stdout.contains("registered already"), "re-running changes nothing: \(again)")
                let listed = try await Self.evflow(["webhooks", "list", "--secret-file", secretFile], fixture)
                #expect(listed.status == 0 && listed.stdout.contains("* \(outcome.id)"), "\(listed)")
                #expect(listed.stdout.split(separator: "\n").count == 1, "\(listed)")

                // A secret file others can read is refused, as every secret file is.
                try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: secretFile)
                let insecure = try await Self.evflow(ServeBinaryTests.arguments(fixture), fixture, extra: ["EPAYMENT_WEBHOOK_SECRET_FILE": secretFile])
                #expect(insecure.status == 2 && insecure.output.contains("chmod 600"), "\(insecure)")
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secretFile)

                var environment = ServeBinaryTests.environment(fixture)
                environment["EPAYMENT_WEBHOOK_SECRET"] = nil
                environment["EPAYMENT_WEBHOOK_SECRET_FILE"] = secretFile
                let server = try ChildProcess(
                    try BuiltProduct.evflow.url(), ServeBinaryTests.arguments(fixture),
                    environment: ChildProcess.environment(adding: environment, removingPrefixes: ["EPAYMENT_", "EVFLOW_"]),
                    mergingStandardError: true)
                try await ServeBinaryTests.waitUntilHealthy(fixture)
                #expect(try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("hooked-1")).status == 201)
                try await fixture.waitFor("hooked-1", "authorization by webhook") { $0.step == "meter" }

                // Registering anew (other events) replaces the secret while serve runs: it picks the new file up.
                let replaced = try await Self.evflow(register + ["--events", "epayments.payment.created.v1", "epayments.payment.authorized.v1", "--json"], fixture)
                #expect(replaced.status == 0, "\(replaced)")
                let second = try JSONDecoder().decode(RegisterOutcome.self, from: Data(replaced.stdout.utf8))
                #expect(second.status == "registered" && second.id != outcome.id)
                #expect(try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody("hooked-2")).status == 201)
                try await fixture.waitFor("hooked-2", "authorization by a webhook signed with the new secret") { $0.step == "meter" }
                server.terminate()
                let run = await server.finish(timeout: .seconds(30))
                #expect(run.status == 0, "\(run)")
                #expect(!run.output.contains(secret))

                let deliveries = fixture.simulator.webhookDeliveries()
                #expect(deliveries.contains { $0.eventName == "AUTHORIZED" && $0.status == 200 && $0.webhookId == outcome.id }, "\(deliveries)")
                #expect(deliveries.contains { $0.eventName == "AUTHORIZED" && $0.status == 200 && $0.webhookId == second.id }, "\(deliveries)")
                #expect(deliveries.allSatisfy { [outcome.id, second.id].contains($0.webhookId) && $0.url == url + "/webhooks/epayment" }, "\(deliveries)")
            }
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func movingToANewURLRegistersItFirstAndDeletesTheOldOne() async throws {
        try await withServeFixture(webhooks: false) { fixture in
            try await TemporaryFolder.with("evflow-webhooks") { folder in
                let secretFile = folder.appending(path: "webhook-secret").path
                let old = try await Self.evflow(["webhooks", "register", "--url", "https://old.example.test", "--secret-file", secretFile, "--json"], fixture)
                #expect(old.status == 0, "\(old)")
                let oldID = try JSONDecoder().decode(RegisterOutcome.self, from: Data(old.stdout.utf8)).id
                let oldSecret = try String(contentsOfFile: secretFile, encoding: .utf8)

                let moved = try await Self.evflow(
                    ["webhooks", "register", "--url", "https://new.example.test/evflow", "--secret-file", secretFile], fixture,
                    extra: ["EVFLOW_PUBLIC_URL": "https://ignored.example.test"])
                #expect(moved.status == 0, "\(moved)")
                let lines = moved.stdout.split(separator: "\n").map(String.init)
                let registered = try #require(lines.firstIndex { $0.hasPrefix("registered https://new.example.test/evflow/webhooks/epayment") }, "\(moved)")
                let deleted = try #require(lines.firstIndex { $0.hasPrefix("DELETE /webhooks/v1/webhooks/\(oldID)") }, "\(moved)")
                #expect(registered < deleted, "the new URL is registered before the old one is deleted")
                #expect(try String(contentsOfFile: secretFile, encoding: .utf8) != oldSecret)

                let listed = try await Self.evflow(["webhooks", "list", "--json"], fixture)
                let registrations = try JSONDecoder().decode([Registration].self, from: Data(listed.stdout.utf8))
                #expect(registrations.map(\.url) == ["https://new.example.test/evflow/webhooks/epayment"], "\(listed)")

                let missing = try await Self.evflow(["webhooks", "delete", oldID], fixture)
                #expect(missing.status == 3, "\(missing)")
                let bad = try await Self.evflow(["webhooks", "register", "--secret-file", secretFile], fixture)
                #expect(bad.status == 2 && bad.output.contains("EVFLOW_PUBLIC_URL"), "\(bad)")
                let deleteNew = try await Self.evflow(["webhooks", "delete", try #require(registrations.first?.id)], fixture)
                #expect(deleteNew.status == 0, "\(deleteNew)")
            }
        }
    }

    struct RegisterOutcome: Decodable {
        var status: String
        var id: String
        var url: String
    }

    struct Registration: Decodable {
        var id: String
        var url: String
    }
}
