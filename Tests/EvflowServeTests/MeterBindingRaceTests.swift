import CurlHTTP
import Dispatch
import EvflowTestSupport
import FlowEngine
import Foundation
import Synchronization
import Testing

/// Two first OCPP messages for different transactions, sent to one instance at the same moment: the answer must
/// be true. Only one is accepted; the other is refused naming the transaction, and nothing accepted is dropped.
///
/// No timing: ``FirstMessagesMeetStore`` holds each request's transaction check until both requests are in
/// flight, which is exactly the interleaving in which a check made without the binding lock lets both through.
@Suite(.serialized)
struct MeterBindingRaceTests {
    @Test func ofTwoFirstMessagesForDifferentTransactionsOneIsAcceptedAndTheOtherRefused() async throws {
        try await withServeFixture(webhooks: false) { fixture in
            let meet = FirstMessagesMeet()
            try await fixture.withRoutes(clock: SystemFlowClock(), wrap: { FirstMessagesMeetStore(base: $0, meet: meet) }) {
                let id = "race-1"
                let created = try await fixture.call(.post, "/v1/flows/ev-charging/instances", json: ServeFixture.startBody(id))
                #expect(created.status == 201, "\(created.text)")
                meet.arm()
                let path = "/v1/instances/\(id)/meter-values"
                async let first = fixture.call(.post, path, json: OCPPMessages.transactionEvent201(eventType: "Started", seqNo: 0, transactionID: "tx-A", value: "0"))
                async let second = fixture.call(.post, path, json: OCPPMessages.transactionEvent201(eventType: "Started", seqNo: 0, transactionID: "tx-B", value: "0"))
                let replies = try await [first, second]
                let accepted = replies.filter { $0.status == 202 }
                let refused = replies.filter { $0.status == 400 }
                #expect(accepted.count == 1 && refused.count == 1, "\(replies.map { "\($0.status) \($0.text)" })")
                let winner = try #require(try accepted.first?.decode(APIMeterValuesReceipt.self))
                #expect(winner.accepted)
                let problem = try #require(try refused.first?.problem())
                #expect(problem.code == "meterValues.transactionMismatch" && problem.field == "$.transactionInfo.transactionId", "\(problem)")
                #expect(problem.detail.contains("bound it to transaction \(winner.transactionId)"), "\(problem.detail)")
                // Only the accepted message waits in the inbox: nothing the instance would have to drop.
                let inbox = try FileInstanceStore(stateDirectory: fixture.stateDirectory).inbox(of: id)
                #expect(inbox.map(\.id) == [winner.signalId])
            }
        }
    }
}

/// Where the two requests meet: each arrives once (at the binding lock, or at its transaction check when it
/// takes no lock), and the first two checks wait until both have arrived.
final class FirstMessagesMeet: Sendable {
    private struct State {
        var armed = false
        var arrivals = 0
        var waits = 0
        var lockTaken = false
    }

    private let state = Mutex(State())
    private let bothArrived = DispatchSemaphore(value: 0)

    func arm() { state.withLock { $0.armed = true } }

    private func arrive() {
        let arrivals = state.withLock { state in
            state.arrivals += 1
            return state.arrivals
        }
        if arrivals == 2 {
            bothArrived.signal()
            bothArrived.signal()
        }
    }

    /// A request is about to take the binding lock (it may have to wait for the other request to release it).
    func atBindingLock() {
        guard state.withLock({ state in
            guard state.armed else { return false }
            state.lockTaken = true
            return true
        }) else { return }
        arrive()
    }

    /// A request reads the inbox to check the transaction: the first two wait for each other (bounded, so a
    /// broken runner fails the test rather than hanging it).
    func atTransactionCheck() {
        let (arriving, waiting) = state.withLock { state -> (Bool, Bool) in
            guard state.armed, state.waits < 2 else { return (false, false) }
            state.waits += 1
            return (!state.lockTaken, true)
        }
        if arriving { arrive() }
        if waiting { _ = bothArrived.wait(timeout: .now() + 30) }
    }
}

/// Forwards to the state folder, stopping at ``FirstMessagesMeet`` on the way into the binding lock and the inbox.
struct FirstMessagesMeetStore: InstanceStoreDecorator {
    let base: any InstanceStore
    let meet: FirstMessagesMeet

    func meterBindingLock(_ id: String) throws(StoreError) -> any InstanceLock {
        meet.atBindingLock()
        return try base.meterBindingLock(id)
    }

    func inbox(of id: String) throws(StoreError) -> [ReceivedSignal] {
        meet.atTransactionCheck()
        return try base.inbox(of: id)
    }
}
