import EvflowTestSupport
import FlowEngine
import Foundation
import PostgresNIO
import Testing

@testable import PostgresStore

/// The PostgreSQL store keeps the same ``InstanceStore`` contract as the file store: every clause of
/// ``InstanceStoreConformance``, each on a schema of its own in the test cluster.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs EVFLOW_TEST_POSTGRES_URL (make test starts a cluster)"))
struct PostgresConformanceTests {
    @Test(arguments: [InstanceStoreKind.postgres], InstanceStoreConformance.checks)
    func storeKeepsTheContract(kind: InstanceStoreKind, check: InstanceStoreConformance.Check) throws {
        try check.run(on: kind)
    }
}

/// CI must never skip the PostgreSQL tests silently: `make test` sets EVFLOW_REQUIRE_POSTGRES=1 with the cluster's URL.
struct RequirePostgresTests {
    @Test func aRequiredClusterIsConfigured() {
        guard ProcessInfo.processInfo.environment["EVFLOW_REQUIRE_POSTGRES"] == "1" else { return }
        #expect(TestDatabase.isConfigured, "EVFLOW_REQUIRE_POSTGRES=1 but \(TestDatabase.urlVariable) is not set: the PostgreSQL tests would be skipped")
    }
}
