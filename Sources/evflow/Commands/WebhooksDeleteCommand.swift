import ArgumentParser
import EPayment
import Foundation

/// `evflow webhooks delete`: stops deliveries to one registration.
struct WebhooksDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a registered webhook: no more events go to its URL.",
        discussion: """
            To move evflow to a new URL use 'evflow webhooks register' with the new one instead: it registers the \
            new URL before deleting the old registration. Deleting the registration whose secret evflow serve \
            uses stops its webhooks (payments are then confirmed by polling only).

            Exit codes: 0 deleted, 1 the Webhooks API call failed, 2 bad usage (the id is not a UUID), 3 no such \
            registration.

            Examples:
              evflow webhooks delete 3f1c2a4e-9a0b-4c1d-8e2f-1a2b3c4d5e6f
              evflow webhooks delete 3f1c2a4e-9a0b-4c1d-8e2f-1a2b3c4d5e6f --dry-run
            """)

    @OptionGroup var options: WebhooksOptions

    @Argument(help: ArgumentHelp("The registration's id (from 'evflow webhooks list').", valueName: "id"))
    var id: String

    @Flag(name: .customLong("dry-run"), help: "Check that the registration exists and print the call; change nothing.")
    var dryRun = false

    func validate() throws {
        guard UUID(uuidString: id) != nil else { throw ValidationError("the id must be a registration's UUID, got '\(id.prefix(64))'") }
    }

    func run() async throws {
        try await options.withClient { client in
            let call = "DELETE /webhooks/v1/webhooks/\(id)"
            if dryRun {
                guard let registration = try await client.listWebhooks().first(where: { $0.id.lowercased() == id.lowercased() }) else {
                    throw CommandFailure(.notFound, "no webhook with id \(id) is registered; see `evflow webhooks list`")
                }
                print("would \(call) (\(registration.url))")
                return
            }
            do {
                try await client.deleteWebhook(id: id)
            } catch let error as EPaymentError where error.code == .notFound {
                throw CommandFailure(.notFound, "no webhook with id \(id) is registered; see `evflow webhooks list`")
            }
            print("deleted webhook \(id)")
        }
    }
}
