import EvflowTestSupport
import FlowEngine
import Foundation
import PostgresNIO
import Testing

@testable import PostgresStore

/// The engine's crash tests (``CrashCampaign``) with every `evflow` child process on a PostgreSQL schema instead
/// of a state folder: a worker killed mid-run leaves a lease that the restarted worker takes over at once (its
/// owner, a process of this host, is gone), and still captures exactly once.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs EVFLOW_TEST_POSTGRES_URL (make test starts a cluster)"))
struct PostgresCrashRecoveryTests {
    /// One migrated schema per session, named in `EVFLOW_STORE`.
    static let schema = ChildStore(name: "PostgreSQL store") {
        let address = try TestDatabase.freshSchema()
        let url = try #require(TestDatabase.url)
        return ChildStore.Storage(environment: ["EVFLOW_STORE": url + (url.contains("?") ? "&" : "?") + "schema=\(address.schema)"],
                                  open: { try PostgresInstanceStore(address: address) }, remove: { TestDatabase.drop(address) })
    }

    @Test func killedAtEveryBoundaryCapturesExactlyOnceAndReleasesTheRest() async throws {
        try await CrashCampaign.killedAtEveryBoundary(on: Self.schema)
    }

    @Test func aFailedSaveAfterAPaymentCallIsReportedAndConfirmedOnTheNextRun() async throws {
        try await CrashCampaign.failedSaveAfterAPaymentCall(on: Self.schema)
    }
}
