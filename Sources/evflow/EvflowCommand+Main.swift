import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension EvflowCommand {
    /// Parses and runs a subcommand, mapping errors to the exit codes documented in `--help`: argument
    /// parser usage errors become 2 (not its default 64), engine and store errors their documented codes.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is ExitCode {
                exit(withError: error)  // --help, --version, or an explicit exit code
            }
            if code == .validationFailure {
                // A usage error found by the parser or a command's validate(): message and usage line.
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(CommandFailure.Status.usage.rawValue)
            }
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            Foundation.exit(CommandFailure.status(for: error).rawValue)
        }
    }
}
