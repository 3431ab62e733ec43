import ArgumentParser
import Foundation

/// `--by`: who does an operator action, recorded in the instance's timeline.
struct ActorOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Who does it, for the timeline (default: $USER, $LOGNAME, or `cli`).", valueName: "name"))
    var by: String?

    /// The name recorded: `--by`, else the OS user, else `cli`.
    var name: String { Self.resolve(by) }

    static func resolve(_ given: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let given { return given }
        for variable in ["USER", "LOGNAME"] {
            if let user = environment[variable]?.trimmingCharacters(in: .whitespaces), !user.isEmpty { return user }
        }
        return "cli"
    }
}
