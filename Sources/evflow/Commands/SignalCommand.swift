import ArgumentParser
import FlowEngine
import Foundation

/// `evflow signal`: stores a signal for an instance durably; the worker uses it on its next round.
struct SignalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal",
        abstract: "Send a signal (meter reading, session end) to an instance.",
        discussion: """
            The signal is stored durably in the instance's inbox before this command returns; a running \
            `evflow run` picks it up within its poll interval. The data is a JSON object typed by the signal's \
            declared fields. Give --signal-id (for example the meter reading's id) so that sending the same \
            signal twice is harmless: a duplicate is ignored and reported, with exit code 0.

            Examples:
              evflow signal session-4711 meterReading --data '{"energyWh": 5200}' --signal-id r-17
              evflow signal session-4711 sessionEnded --data @end.json --signal-id end
            """)

    @OptionGroup var options: RunnerOptions

    @Argument(help: ArgumentHelp("The instance id.", valueName: "id"))
    var id: String

    @Argument(help: ArgumentHelp("The signal's name, as declared by the flow (for example meterReading).", valueName: "name"))
    var name: String

    @Option(help: ArgumentHelp("The signal's fields: a JSON object, or @file (@- for stdin).", valueName: "json|@file"))
    var data: String = "{}"

    @Option(name: .customLong("signal-id"), help: ArgumentHelp("The sender's id for this signal; repeats with the same id are ignored.", valueName: "id"))
    var signalID: String?

    func run() async throws {
        let logger = options.bootstrapLogging()
        try await RunnerEnvironment.with(options, requiring: .init(payments: false, definitions: false), logger: logger) { environment in
            let instance = try environment.runner.instance(id)
            let definition = try environment.catalog.definition(for: instance.flow)
            let values: [String: Value]
            do {
                values = try definition.signalData(name, fromJSON: try JSONArgument(text: data).data(option: "--data"))
            } catch let error as InputValidationError {
                throw CommandFailure(.usage, "signal \(name) for \(id) (flow \(instance.flow.name)) refused:\n"
                    + error.problems.map { "  - \($0)" }.joined(separator: "\n"))
            }
            let accepted = try environment.runner.signal(instanceID: id, name: name, data: values, signalID: signalID)
            print(accepted ? "signal \(name) stored for \(id)" : "signal \(signalID ?? name) was already received by \(id); ignored")
        }
    }
}
