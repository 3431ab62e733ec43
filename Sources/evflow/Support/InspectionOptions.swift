import ArgumentParser

/// How `list`, `show` and `resume --all-stuck` decide that an instance is stuck.
struct InspectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "How late a timer, or how long a running instance without a worker, may be before it counts as stuck.",
        valueName: "duration"))
    var grace: DurationArgument = DurationArgument(argument: "1m")!
}
