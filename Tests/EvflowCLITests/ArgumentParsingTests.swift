import ArgumentParser
import FlowEngine
import PostgresStore
import Testing

@testable import evflow

/// `evflow`'s argument handling, parsed in-process with `parseAsRoot` (the way swift-argument-parser tests its
/// own commands): every refusal is a usage error (exit 2) whose message names the option and what it accepts. The
/// built binary's end-to-end tests run beside these (SessionCommandTests, OperatorCommandTests).
struct ArgumentParsingTests {
    struct Refusal: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        /// A phrase of the message the operator sees.
        var says: String

        var testDescription: String { "evflow " + arguments.joined(separator: " ") }
    }

    static let refusals: [Refusal] = [
        Refusal(arguments: ["serve", "--port", "70000"], says: "--port must be 0 to 65535"),
        Refusal(arguments: ["serve", "--port=-1"], says: "--port must be 0 to 65535"),
        Refusal(arguments: ["serve", "--poll-interval", "5"], says: "--poll-interval must be 10 to 60000 milliseconds"),
        Refusal(arguments: ["serve", "--max-body", "10"], says: "--max-body must be 1024 to 16777216 bytes"),
        Refusal(arguments: ["serve", "--port", "eighty"], says: "'eighty' is invalid for '--port"),
        Refusal(arguments: ["run", "--poll-interval", "1"], says: "--poll-interval must be 10 to 60000 milliseconds"),
        Refusal(arguments: ["retry", "s-1", "--rerun-completed", "--from-step", "capture"], says: "--rerun-completed needs --reason '<why>'"),
        Refusal(arguments: ["retry", "s-1", "--rerun-completed", "--from-step", "capture", "--reason", "  "], says: "--rerun-completed needs --reason '<why>'"),
        Refusal(arguments: ["retry", "s-1", "--rerun-completed", "--reason", "refund failed"], says: "--rerun-completed applies to --from-step"),
        Refusal(arguments: ["retry", "s-1", "--reason", "why not"], says: "--reason goes with --rerun-completed"),
        Refusal(arguments: ["cancel", "s-1", "--reason", " "], says: "--reason must say why"),
        Refusal(arguments: ["resume"], says: "give an instance id or --all-stuck (not both)"),
        Refusal(arguments: ["resume", "s-1", "--all-stuck"], says: "give an instance id or --all-stuck (not both)"),
        Refusal(arguments: ["reconcile", "s-1", "--all"], says: "give an instance id or --all (not both)"),
        Refusal(arguments: ["resume", "s-1", "--set", "inputs.pricePerKWh=4.55 NOK"], says: "--set needs --reason '<why>'"),
        Refusal(arguments: ["resume", "s-1", "--reason", "why not"], says: "--reason goes with --set"),
        Refusal(arguments: ["resume", "--all-stuck", "--set", "inputs.x=1", "--reason", "r"], says: "--set corrects one instance"),
        Refusal(arguments: ["mark-done", "s-1", "--step", "capture", "--psp-reference", "p", "--reason", " "], says: "--reason must say why"),
        Refusal(arguments: ["mark-done", "s-1", "--step", "capture", "--psp-reference", " ", "--reason", "r"], says: "--psp-reference must name the provider's event"),
        Refusal(arguments: ["list", "--older-than", "5 minutes"], says: "'5 minutes' is invalid for '--older-than"),
        Refusal(arguments: ["list", "--older-than", "-"], says: "is invalid for '--older-than"),
        Refusal(arguments: ["list", "--grace", "soon"], says: "'soon' is invalid for '--grace"),
        Refusal(arguments: ["list", "--status", "sleeping"], says: "'sleeping' is invalid for '--status"),
        Refusal(arguments: ["run", "--log-level", "loud"], says: "--log-level must be one of trace, debug, info, notice, warning, error, critical (got 'loud')"),
        Refusal(arguments: ["list", "--log-level", "WARN"], says: "(got 'WARN')"),
        Refusal(arguments: ["teleport"], says: "teleport"),
    ]

    @Test(arguments: refusals)
    func refusedAsAUsageError(_ refusal: Refusal) {
        do {
            let command = try EvflowCommand.parseAsRoot(refusal.arguments)
            Issue.record("accepted as \(type(of: command))")
        } catch {
            #expect(EvflowCommand.exitCode(for: error) == .validationFailure, "exit 2, as documented in --help: \(error)")
            let message = EvflowCommand.message(for: error)
            #expect(message.contains(refusal.says), "\(message)")
        }
    }

    @Test func theBoundariesAreAccepted() throws {
        let any = try #require(try EvflowCommand.parseAsRoot(["serve", "--port", "0", "--poll-interval", "10", "--max-body", "1024"]) as? ServeCommand)
        #expect(any.port == 0)
        let highest = try #require(try EvflowCommand.parseAsRoot(["serve", "--port", "65535", "--poll-interval", "60000", "--max-body", "16777216"]) as? ServeCommand)
        #expect(highest.port == 65_535 && highest.pollInterval == 60_000 && highest.maximumBodySize == 16 << 20)
        let defaults = try #require(try EvflowCommand.parseAsRoot(["serve"]) as? ServeCommand)
        #expect(defaults.host == "127.0.0.1" && defaults.port == 8080 && defaults.options.logLevel == "warning")
    }

    /// The database settings from the environment are checked before anything connects.
    @Test func aDatabasePoolSizeOrLeaseOutOfRangeIsAUsageError() throws {
        let serve = try #require(try EvflowCommand.parseAsRoot(["serve", "--store", "postgres://evflow@127.0.0.1:5432/evflow"]) as? ServeCommand)
        for (name, value, says) in [("EVFLOW_DB_CONNECTIONS", "0", "EVFLOW_DB_CONNECTIONS must be a number of connections from 1 to 1000, got '0'"),
                                    ("EVFLOW_DB_CONNECTIONS", "many", "got 'many'"),
                                    ("EVFLOW_LEASE_SECONDS", "0.5", "EVFLOW_LEASE_SECONDS must be a number of seconds from 1 to 3600")] {
            let failure = try #require(throws: CommandFailure.self) { try serve.options.storeLocation(environment: [name: value]) }
            #expect(failure.status == .usage && failure.description.contains(says), "\(failure)")
        }
        _ = try serve.options.storeLocation(environment: ["EVFLOW_DB_CONNECTIONS": "64", "EVFLOW_LEASE_SECONDS": "30"])
        let options = try RunnerOptions.postgresOptions(environment: ["EVFLOW_DB_CONNECTIONS": "64", "EVFLOW_LEASE_SECONDS": "30"])
        #expect(options.maximumConnections == 64 && options.leaseDuration == 30, "the values reach the store's options")
        let defaults = try RunnerOptions.postgresOptions(environment: [:])
        #expect(defaults.maximumConnections == 16 && defaults.leaseDuration == 15)
    }

    @Test func aRerunOfACompletedStepNeedsAStepAndAReason() throws {
        let retry = try #require(try EvflowCommand.parseAsRoot(
            ["retry", "s-1", "--from-step", "capture", "--rerun-completed", "--reason", "the refund bounced"]) as? RetryCommand)
        #expect(retry.id == "s-1" && retry.fromStep == "capture" && retry.rerunCompleted && retry.reason == "the refund bounced")
        let plain = try #require(try EvflowCommand.parseAsRoot(["retry", "s-1"]) as? RetryCommand)
        #expect(!plain.rerunCompleted && plain.reason == nil && !plain.dryRun)
    }

    @Test func durationsAreWrittenAsInDefinitions() throws {
        let list = try #require(try EvflowCommand.parseAsRoot(["list", "--older-than", "1h30m", "--grace", "90s"]) as? ListCommand)
        #expect(list.olderThan?.duration == FlowDuration(milliseconds: 5_400_000))
        #expect(list.inspection.grace.seconds == 90)
        let standard = try #require(try EvflowCommand.parseAsRoot(["list"]) as? ListCommand)
        #expect(standard.olderThan == nil)
        #expect(standard.inspection.grace.seconds == 60, "--grace defaults to 1m")
    }

    @Test(arguments: ["trace", "debug", "info", "notice", "warning", "error", "critical"])
    func everyLogLevelIsAccepted(_ level: String) throws {
        let run = try #require(try EvflowCommand.parseAsRoot(["run", "--log-level", level]) as? RunCommand)
        #expect(run.options.logLevel == level)
    }
}

extension ArgumentParsingTests {
    /// `--by`, else the OS user, else `cli`: who an operator command's timeline entries name.
    @Test func whoDidItComesFromByOrTheOSUser() throws {
        #expect(ActorOptions.resolve("alice", environment: ["USER": "bob"]) == "alice")
        #expect(ActorOptions.resolve(nil, environment: ["USER": "bob", "LOGNAME": "carol"]) == "bob")
        #expect(ActorOptions.resolve(nil, environment: ["USER": " ", "LOGNAME": "carol"]) == "carol")
        #expect(ActorOptions.resolve(nil, environment: [:]) == "cli")
        let parsed = try #require(try EvflowCommand.parseAsRoot(["mark-done", "s-1", "--step", "capture", "--psp-reference", "p", "--reason", "r", "--by", "dana"]) as? MarkDoneCommand)
        #expect(parsed.actor.name == "dana" && parsed.pspReference == "p")
    }
}
