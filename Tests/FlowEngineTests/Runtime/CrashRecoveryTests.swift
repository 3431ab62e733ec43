import EvflowTestSupport
import Testing

/// The worker is SIGKILLed at each durable boundary of the EV flow in turn (just before and just after each
/// save of the instance file), restarted, and must still capture exactly once, the right amount, and release
/// the rest. The campaigns live in ``CrashCampaign`` so that PostgresStoreTests runs them on a database too.
@Suite("Crash recovery at every durable boundary")
struct CrashRecoveryTests {
    @Test func killedAtEveryBoundaryCapturesExactlyOnceAndReleasesTheRest() async throws {
        try await CrashCampaign.killedAtEveryBoundary(on: .stateFolder)
    }

    /// A save that fails after a payment call returned (a full disk) is reported as such: the step may have
    /// taken effect, it is confirmed with the provider on the next run, and the worker exits non-zero. Every save
    /// of the EV flow is failed in turn (`EVFLOW_CRASH_AT=full:N`); the session must still capture exactly once.
    @Test func aFullDiskAfterAPaymentCallIsReportedAndConfirmedOnTheNextRun() async throws {
        try await CrashCampaign.failedSaveAfterAPaymentCall(on: .stateFolder)
    }
}
