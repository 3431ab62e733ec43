import ArgumentParser
import Logging

/// `--log-level`, shared by every command that logs: the ones that touch state (``RunnerOptions``) and
/// `evflow webhooks`, which does not.
struct LoggingOptions: ParsableArguments {
    @Option(name: .customLong("log-level"), help: ArgumentHelp(
        "trace, debug, info, notice, warning, error or critical; logs go to stderr.", valueName: "level"))
    var logLevel: String = "warning"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical (got '\(logLevel)')")
        }
    }

    /// Sends log lines at `--log-level` and above to stderr; stdout stays for command output.
    func bootstrapLogging() -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "evflow")
        logger.logLevel = level
        return logger
    }
}
