import ArgumentParser
import FlowEngine

/// A duration option written as in definitions: `30m`, `1h30m`, `90s`, `250ms`.
struct DurationArgument: ExpressibleByArgument {
    let duration: FlowDuration

    init?(argument: String) {
        guard let duration = FlowDuration(parsing: argument) else { return nil }
        self.duration = duration
    }

    var seconds: Double { Double(duration.milliseconds) / 1000 }

    var defaultValueDescription: String { duration.description }
}
