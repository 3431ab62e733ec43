import ArgumentParser
import FlowEngine
import Foundation

/// `evflow graph`: a diagram of a definition's steps and transitions.
struct GraphCommand: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case mermaid, dot
    }

    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Draw a flow definition as a Mermaid or Graphviz diagram.",
        discussion: """
            Steps are nodes labelled with their kind (waits are parallelograms, choices diamonds, ends ovals); \
            transitions are edges labelled with the field that declares them; failure, timeout and deadline \
            paths are dashed.

            Examples:
              evflow graph ev-charging                       # Mermaid, paste into a Markdown ```mermaid block
              evflow graph ev-charging --format dot | dot -Tsvg > ev-charging.svg
              evflow graph flows/fixed-price.json
            """)

    @Argument(help: ArgumentHelp("A flow name from --flows-dir, or a definition file.", valueName: "flow"))
    var flow: String

    @Option(help: "mermaid or dot.")
    var format: Format = .mermaid

    @Option(name: .customLong("flows-dir"), help: ArgumentHelp("The folder of flow definitions.", valueName: "path"))
    var flowsDirectory: String = "./flows"

    func run() throws {
        let definition: FlowDefinition
        if flow.hasSuffix(".json") || flow.contains("/") {
            guard FileManager.default.fileExists(atPath: flow) else { throw CommandFailure(.notFound, "no such file: \(flow)") }
            definition = try FlowDefinitionLoader().load(fileAt: URL(filePath: flow))
        } else {
            let definitions = try FlowDefinitionLoader().load(directory: URL(filePath: flowsDirectory))
            guard let found = definitions[flow] else {
                throw CommandFailure(.notFound, "no flow named '\(flow)' in \(flowsDirectory); known flows: \(definitions.keys.sorted().joined(separator: ", "))")
            }
            definition = found
        }
        print(format == .mermaid ? definition.mermaidDiagram() : definition.dotDiagram())
    }
}
