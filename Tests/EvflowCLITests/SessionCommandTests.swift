import EPaymentSimulator
import EvflowTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EvflowCLITests {
    /// `evflow start`, `signal` and `run`, as a charging backend and a worker use them.
    @Suite("evflow start, signal, run")
    struct SessionCommandTests {
        @Test func workerChargesASessionEndToEndAndStopsCleanlyOnSIGTERM() async throws {
            try await CLITestBed.with { bed in
                let evflow = bed.evflow
                let started = try await evflow("start", "ev-charging", "--id", "session-1", "--input", CLITestBed.sessionInputs)
                #expect(started.status == 0, "\(started)")
                #expect(started.stdout.contains("started session-1 (ev-charging v1)"))
                // The phone number is not echoed anywhere.
                #expect(!started.stdout.contains("4791234567") && !started.stderr.contains("4791234567"))

                let worker = try evflow.launch(["run", "--poll-interval", "50"])
                try await bed.waitForStep("session-1", "meter")  // also runs --once: the lock keeps them apart
                let reading = try await evflow("signal", "session-1", "meterReading", "--data", #"{"energyWh": 5000}"#, "--signal-id", "r-1")
                #expect(reading.status == 0, "\(reading)")
                let dataFile = try bed.writeFile("end.json", #"{"energyWh": 12000}"#)
                let ended = try await evflow("signal", "session-1", "sessionEnded", "--data", "@\(dataFile.path)", "--signal-id", "end")
                #expect(ended.status == 0, "\(ended)")

                try await waitUntil("session-1 to succeed", timeout: .seconds(15), pollingEvery: .milliseconds(100),
                                    lastSeen: { try? bed.status("session-1") }) { try bed.status("session-1") == "succeeded" }
                worker.terminate()
                let output = await worker.finish(timeout: .seconds(20))
                #expect(output.status == 0, "\(output)")
                #expect(output.stdout.contains("session-1 succeeded; reserved 500.00 NOK, captured 47.88 NOK, released 452.12 NOK"), "\(output)")

                // 12 kWh at 3.99 NOK/kWh, captured once; the rest released.
                let payment = try bed.ledger("session-1")
                #expect(payment.aggregate.captured == 4_788)
                #expect(payment.aggregate.cancelled == 45_212)
                #expect(payment.events(named: "CAPTURED").count == 1)
                #expect(try bed.stateFile("session-1").inputs.map { "\($0)" }?.contains("4791234567") == false)

                // The receipt went through the Order Management API, and `show` lists it.
                let receipt = try #require(payment.receipt)
                #expect(receipt.total == 4_788 && receipt.orderLines.map(\.id) == ["energy"])
                let shown = try await evflow("show", "session-1")
                #expect(shown.stdout.contains("receipt  receipt #1 sent as \(receipt.id) for order ev-session-1: 47.88 NOK incl. VAT 9.58 NOK"), "\(shown)")
                #expect(shown.stdout.contains("  Energy: 12 KWH × 3.99 NOK = 47.88 NOK (excl. VAT 38.30 NOK, VAT 9.58 NOK at 25 %)"), "\(shown)")
                struct Shown: Decodable {
                    struct Receipt: Decodable {
                        var status: String
                        var receiptId: String?
                        var total: Int64?
                        var totalTax: Int64?
                    }
                    var receipts: [Receipt]
                }
                let document = try await evflow("show", "session-1", "--json").decode(Shown.self)
                #expect(document.receipts.count == 1)
                #expect(document.receipts.first?.status == "sent" && document.receipts.first?.receiptId == receipt.id)
                #expect(document.receipts.first?.total == 4_788 && document.receipts.first?.totalTax == 958)

                // A signal to a finished session is refused with exit 1.
                let late = try await evflow("signal", "session-1", "meterReading", "--data", #"{"energyWh": 1}"#)
                #expect(late.status == 1, "\(late)")
                #expect(late.stderr.contains("already succeeded"))
            }
        }

        @Test func startIsIdempotentAndRejectsBadInputsNamingThem() async throws {
            try await CLITestBed.with(autoApprove: nil) { bed in
                let evflow = bed.evflow
                let first = try await evflow("start", "ev-charging", "--id", "s-2", "--input", CLITestBed.sessionInputs, "--json")
                #expect(first.status == 0, "\(first)")
                struct Started: Decodable {
                    var created: Bool
                    var status: String
                }
                let document = try first.decode(Started.self)
                #expect(document.created == true)
                #expect(document.status == "running")
                #expect(FileManager.default.fileExists(atPath: bed.evflow.stateDirectory.appending(path: "instances/s-2.json").path))

                let again = try await evflow("start", "ev-charging", "--id", "s-2", "--input", CLITestBed.sessionInputs)
                #expect(again.status == 0)
                #expect(again.stdout.contains("already exists with the same inputs"))

                let conflicting = try await evflow("start", "ev-charging", "--id", "s-2", "--input",
                                                   #"{"phoneNumber": "4791234567", "pricePerKWh": {"value": 1, "currency": "NOK"}}"#)
                #expect(conflicting.status == 2)
                #expect(conflicting.stderr.contains("different inputs"))

                let bad = try await evflow("start", "ev-charging", "--id", "s-3", "--input",
                                           #"{"phoneNumber": 4791234567, "pricePerKWh": {"value": 3.5, "currency": "NOK"}, "maxSessionDuration": "soon", "colour": "red"}"#)
                #expect(bad.status == 2, "\(bad)")
                for name in ["'phoneNumber'", "'pricePerKWh'", "'maxSessionDuration'", "unknown input 'colour'"] {
                    #expect(bad.stderr.contains(name), "\(name) not named in \(bad.stderr)")
                }
                let unknownFlow = try await evflow("start", "no-such-flow", "--id", "s-4")
                #expect(unknownFlow.status == 3)
                let badID = try await evflow("start", "ev-charging", "--id", "../etc", "--input", CLITestBed.sessionInputs)
                #expect(badID.status == 2)
                let usage = try await evflow("start", "ev-charging")
                #expect(usage.status == 2)
                #expect(usage.stderr.contains("--id"))

                let unknownInstance = try await evflow("signal", "nobody", "meterReading", "--data", #"{"energyWh": 1}"#)
                #expect(unknownInstance.status == 3)
                let badSignal = try await evflow("signal", "s-2", "meterReading", "--data", #"{"energyWh": "lots"}"#)
                #expect(badSignal.status == 2)
                #expect(badSignal.stderr.contains("field 'energyWh': expected an integer"))
                let undeclared = try await evflow("signal", "s-2", "coffeeBreak", "--data", "{}")
                #expect(undeclared.status == 2)
                #expect(undeclared.stderr.contains("declares no signal 'coffeeBreak'"))

                let duplicate1 = try await evflow("signal", "s-2", "meterReading", "--data", #"{"energyWh": 7}"#, "--signal-id", "m-1")
                let duplicate2 = try await evflow("signal", "s-2", "meterReading", "--data", #"{"energyWh": 7}"#, "--signal-id", "m-1")
                #expect(duplicate1.stdout.contains("stored"))
                #expect(duplicate2.status == 0)
                #expect(duplicate2.stdout.contains("already received"), "\(duplicate2)")
            }
        }

        @Test func runWithoutProviderSettingsIsAUsageError() async throws {
            let folder = try TemporaryFolder.make("evflow-cli")
            defer { TemporaryFolder.remove(folder) }
            let evflow = Evflow(stateDirectory: folder, flowsDirectory: CLITestBed.repository.appending(path: "flows"), simulatorURL: nil)
            let result = try await evflow("run", "--once")
            #expect(result.status == 2, "\(result)")
            #expect(result.stderr.contains("EPAYMENT_BASE_URL"))
        }
    }
}
