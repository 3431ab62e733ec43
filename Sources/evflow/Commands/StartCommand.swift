import ArgumentParser
import FlowEngine
import Foundation

/// `evflow start`: stores a new instance; `evflow run` executes it.
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start an instance of a flow (stored durably; `evflow run` executes it).",
        discussion: """
            Inputs are a JSON object, typed by the flow's declared inputs: money as {"value": <minor units>, \
            "currency": "NOK"}, durations as "12h" or "1h30m", phone numbers as strings of digits with the \
            country code, integers, booleans and strings as themselves. Inputs with a default may be left out.

            Starting the same id again with the same inputs does nothing and succeeds (safe to retry); with \
            other inputs it is refused (exit 2).

            Examples:
              evflow start ev-charging --id session-4711 --input @session.json
              evflow start ev-charging --id session-4712 \\
                --input '{"phoneNumber": "4791234567", "pricePerKWh": {"value": 399, "currency": "NOK"}}'
              evflow start fixed-price --id s-1 --input '{"phoneNumber": "4791234567"}' --json
            """)

    @OptionGroup var options: RunnerOptions

    @Argument(help: ArgumentHelp("The flow's name, as in its definition (for example ev-charging).", valueName: "flow"))
    var flow: String

    @Option(help: ArgumentHelp("The instance id, for example the charging session id (letters, digits, - and _).", valueName: "id"))
    var id: String

    @Option(help: ArgumentHelp("The inputs: a JSON object, or @file to read it from a file (@- for stdin).", valueName: "json|@file"))
    var input: String = "{}"

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        let logger = options.bootstrapLogging()
        try await RunnerEnvironment.with(options, requiring: .init(payments: false, definitions: true), logger: logger) { environment in
            guard let definition = environment.definitions[flow] else {
                throw FlowError(.unknownFlow, flow: flow, instanceID: id, detail:
                    "no flow named \(InstanceID.printable(flow)) in \(options.flowsURL.path); known flows: \(environment.definitions.keys.sorted().joined(separator: ", "))")
            }
            let inputs = try definition.inputs(fromJSON: try JSONArgument(text: input).data(option: "--input"))
            let started = try environment.runner.start(flow: flow, id: id, inputs: inputs)
            let instance = started.instance, created = started.created
            if json {
                try Output.printJSON(Started(id: instance.id, flow: instance.flow.name, version: instance.flow.version,
                                             status: instance.status.rawValue, created: created))
            } else if created {
                print("started \(instance.id) (\(instance.flow.name) v\(instance.flow.version)); `evflow run` executes it")
            } else {
                print("\(instance.id) already exists with the same inputs (\(instance.status)); nothing to do")
            }
        }
    }
}

extension StartCommand {
    /// What `start --json` prints.
    struct Started: Encodable {
        var id: String
        var flow: String
        var version: Int
        var status: String
        /// `false` when the instance existed with the same inputs.
        var created: Bool
    }
}
