import EvflowTestSupport
import Foundation
import Testing

/// `--store` (env `EVFLOW_STORE`) on the built `evflow`: a database that is down is exit 5 naming its URL without
/// the password, a bad address is exit 2, and `evflow db migrate` wants a database.
struct StoreOptionCommandTests {
    static let flows = CLITestBed.repository.appending(path: "flows")

    func evflow(_ extra: [String: String] = [:]) -> Evflow {
        let folder = FileManager.default.temporaryDirectory.appending(path: "evflow-cli-\(UUID().uuidString)")
        var evflow = Evflow(stateDirectory: folder, flowsDirectory: Self.flows, simulatorURL: "http://127.0.0.1:9")
        evflow.extraEnvironment = extra
        return evflow
    }

    @Test func aDatabaseThatIsDownIsExitFiveWithoutItsPassword() async throws {
        let down = "postgres://evflow:hunter2-secret@127.0.0.1:9/evflow"
        for arguments in [["list", "--store", down], ["run", "--once", "--store", down], ["db", "migrate", "--store", down]] {
            let result = try await evflow().run(arguments)
            #expect(result.status == 5, "\(arguments): \(result)")
            #expect(result.output.contains("postgres://evflow@127.0.0.1:9/evflow"), "names the database: \(result)")
            #expect(!result.output.contains("hunter2"), "never the password: \(result)")
        }
        let fromEnvironment = try await evflow(["EVFLOW_STORE": down]).run(["list"])
        #expect(fromEnvironment.status == 5, "EVFLOW_STORE: \(fromEnvironment)")
    }

    @Test func badAddressesAreUsageErrors() async throws {
        let bad = try await evflow().run(["list", "--store", "postgres://evflow:hunter2-secret@db/evflow?sslmode=sometimes"])
        #expect(bad.status == 2, "\(bad)")
        #expect(bad.output.contains("sslmode") && !bad.output.contains("hunter2"), "\(bad)")
        let both = try await evflow().run(["list", "--store", "/tmp/a", "--state-dir", "/tmp/b"])
        #expect(both.status == 2 && both.output.contains("--store and --state-dir"), "\(both)")
        let folder = try await evflow().run(["db", "migrate", "--store", "/tmp/state"])
        #expect(folder.status == 2 && folder.output.contains("needs a database"), "\(folder)")
    }
}
