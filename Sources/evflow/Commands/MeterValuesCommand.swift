import ArgumentParser
import FlowEngine
import Foundation

/// `evflow meter-values`: hands an OCPP MeterValues / StopTransaction / TransactionEvent message to an instance, as
/// the station sent it.
struct MeterValuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meter-values",
        abstract: "Send an OCPP MeterValues, StopTransaction or TransactionEvent message to an instance, unchanged.",
        discussion: """
            The message is the OCPP request payload as the station sent it (or its OCPP-J CALL frame \
            [2, "<id>", "MeterValues", {...}]). evflow takes the cumulative Energy.Active.Import.Register total, \
            converts Wh, kWh and the 2.0.1 multiplier exactly to whole Wh (a fraction of a Wh is rounded down and \
            the timeline says so), and stores it durably as the signal the flow's "meterValues" mapping names: \
            the end of the transaction (1.6 context Transaction.End or StopTransaction, billed at its meterStop; \
            2.0.1 eventType Ended) as its "ended" signal. Sending the same message twice is harmless: the \
            duplicate is reported, with exit code 0. A 2.0.1 Started or Updated event without an energy sample is \
            stored for its seqNo only and reported as ignored (exit 0). A message that cannot be billed from is \
            refused naming the field, as a JSON path (exit 2).

            Examples:
              evflow meter-values session-4711 --data @transaction-event.json
              evflow meter-values session-4711 --data '{"connectorId": 1, "transactionId": 4711, "meterValue": [{"timestamp": "2026-11-27T13:05:00Z", "sampledValue": [{"value": "2.1005", "unit": "kWh"}]}]}'
              evflow meter-values session-4711 --data @- --json < call-frame.json
            """)

    @OptionGroup var options: RunnerOptions

    @Argument(help: ArgumentHelp("The instance id.", valueName: "id"))
    var id: String

    @Option(help: ArgumentHelp("The OCPP message: JSON, or @file (@- for stdin).", valueName: "json|@file"))
    var data: String

    @Flag(help: "Print the result (signal, signal id, energy in Wh, rounding, duplicate) as JSON.")
    var json = false

    func run() async throws {
        let logger = options.bootstrapLogging()
        try await RunnerEnvironment.with(options, requiring: .init(payments: false, definitions: false), logger: logger) { environment in
            let bytes = try JSONArgument(text: data).data(option: "--data")
            guard let text = String(validating: bytes, as: UTF8.self) else { throw CommandFailure(.usage, "--data: the message is not UTF-8 text") }
            let receipt: MeterValuesReceipt
            do {
                receipt = try environment.runner.meterValues(instanceID: id, json: text)
            } catch let error as MeterValuesError {
                throw CommandFailure(.usage, "meter values for \(InstanceID.printable(id)) refused: \(error.field): \(error.detail)")
            }
            if json { return try Output.printJSON(receipt) }
            let energy = receipt.energyWh.map { "\($0) Wh" + (receipt.exactWattHours.map { " (\($0) Wh rounded down)" } ?? "") } ?? "no energy sample"
            let source = "OCPP \(receipt.ocppVersion), transaction \(receipt.transactionID)" + (receipt.sequenceNumber.map { ", seqNo \($0)" } ?? "")
            if let ignored = receipt.ignored {
                print("\(receipt.signalID) for \(receipt.instance) ignored: \(ignored)")
            } else {
                print(receipt.accepted
                    ? "\(receipt.signal) stored for \(receipt.instance): \(energy) (\(source)); signal id \(receipt.signalID)"
                    : "\(receipt.signalID) was already received by \(receipt.instance); ignored")
            }
        }
    }
}
