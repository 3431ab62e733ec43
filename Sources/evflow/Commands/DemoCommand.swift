import ArgumentParser
import Foundation

/// `evflow demo` (what `make demo` runs): one complete EV charging session against the embedded simulator,
/// printed as a timeline with the money reserved, captured and released.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run one complete EV charging session against the embedded simulator and print its timeline and money.",
        discussion: """
            Starts the ePayment simulator and a station-backend stub in this process (real HTTP on 127.0.0.1) \
            and runs a shipped EV flow for one session: the customer approves after 20 s, four meter readings, \
            the session ends after 41 minutes. It runs on a virtual clock, so it takes about a second. Prints the \
            timeline, the amounts reserved, captured and released, the receipt sent through the Order Management \
            API (energy in kWh, start fee, VAT), and the verdict of the provider's ledger.

            --journey picks how the customer reaches the payment: push (ev-charging, a push message to a known \
            phone number; the default), landing-page (ev-charging-landing-page: the charger's QR code opens the \
            operator's landing page, which sends the browser to the payment link) or qr (ev-charging-qr: the \
            charger shows the payment link as a QR code). For the last two the timeline shows the link, and the \
            demo follows it as the customer would.

            Exit codes: 0 the session settled correctly (its receipt adding up to the capture); 1 the ledger \
            shows a problem; 2 the flows folder is \
            invalid.

            Examples:
              evflow demo
              evflow demo --journey landing-page
              evflow demo --journey qr --state-dir /tmp/demo
              evflow show <instance> --state-dir /tmp/demo
            """
    )

    @Option(help: ArgumentHelp("How the customer reaches the payment: \(DemoJourney.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "journey"))
    var journey: DemoJourney = .push

    @Option(name: .customLong("flows-dir"), help: "The folder holding the shipped flows (ev-charging.json and the other journeys').")
    var flowsDirectory: String = ProcessInfo.processInfo.environment["EVFLOW_FLOWS_DIR"] ?? "flows"

    @Option(name: .customLong("state-dir"), help: "Keep the instance file here (default: a temporary folder, removed afterwards).")
    var stateDirectory: String?

    func run() async throws {
        let demo = ChargingDemo(flows: URL(filePath: flowsDirectory), stateDirectory: stateDirectory.map { URL(filePath: $0) }, journey: journey)
        let clock = ContinuousClock()
        let started = clock.now
        let outcome = try await demo.run()
        let report = DemoReport(demo: demo, outcome: outcome)
        print(report.text)
        let elapsed = clock.now - started
        print("Ran in \(String(format: "%.2f", Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))) s of wall-clock time.")
        if !report.problems.isEmpty { throw ExitCode(1) }
    }
}
