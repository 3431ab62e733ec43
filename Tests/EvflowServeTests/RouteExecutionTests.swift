import CurlHTTP
import EPayment
import EPaymentSimulator
import EvflowServer
import FlowEngine
import FlowTesting
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Where and by which clock the routes do their work, on an in-process server that runs the routes only (no
/// worker, so every store call comes from a route): the state folder is read and written on the runner's threads,
/// never on the threads that serve HTTP, and every decision by time uses the runtime's clock.
@Suite(.serialized)
struct RouteExecutionTests {
    @Test func everyStoreCallOfARouteRunsOnARunnerThread() async throws {
        try await withServeFixture(webhooks: false) { fixture in
            let calls = StoreCalls()
            try await fixture.withRoutes(clock: SystemFlowClock(), wrap: { ThreadRecordingStore(base: $0, calls: calls) }) {
                let requests: [(HTTPMethod, String, String?, Int)] = [
                    (.post, "/v1/flows/ev-charging/instances", ServeFixture.startBody("threads-1"), 201),
                    (.get, "/v1/instances/threads-1", nil, 200),
                    (.post, "/v1/instances/threads-1/signals/meterReading", #"{"signalId": "m1", "data": {"energyWh": 10}}"#, 202),
                    (.get, "/v1/instances?status=stuck", nil, 200),
                    (.post, "/v1/instances/threads-1/cancel", #"{"reason": "threads test"}"#, 200),
                    (.get, "/v1/instances/threads-1", nil, 200),
                ]
                for (method, path, body, expected) in requests {
                    calls.reset()
                    let reply = try await fixture.call(method, path, json: body)
                    #expect(reply.status == expected, "\(method) \(path): \(reply.text)")
                    let made = calls.take()
                    #expect(!made.isEmpty, "\(method) \(path) made no store call")
                    let elsewhere = made.filter { !$0.thread.hasPrefix(ThreadRecordingStore.runnerThreadPrefix) }
                    #expect(elsewhere.isEmpty, "\(method) \(path) used the state folder off the runner's threads: \(elsewhere)")
                }
            }
        }
    }

    @Test func routesDecideByTheRuntimeClock() async throws {
        try await withServeFixture(webhooks: false) { fixture in
            // Two days behind the wall clock, and standing still (like the flow-test harness's).
            let clock = ManualFlowClock(startingAt: Date().addingTimeInterval(-2 * 86_400))
            try await fixture.withRoutes(clock: clock) {
                let path = "/v1/flows/ev-charging/instances"
                let first = try await fixture.call(.post, path, json: ServeFixture.startBody("clock-1"))
                #expect(first.status == 201, "\(first.text)")
                // The clock has not moved since: only the runner can tell that the repeat created nothing.
                let repeated = try await fixture.call(.post, path, json: ServeFixture.startBody("clock-1"))
                #expect(repeated.status == 200, "a repeated start answered \(repeated.status): \(repeated.text)")
                struct Created: Decodable { var createdAt: String }
                #expect(try repeated.decode(Created.self).createdAt == first.decode(Created.self).createdAt)

                // By the runtime's clock the instance was updated just now; by the wall clock two days ago.
                let stuck = try await fixture.call(.get, "/v1/instances?status=stuck").decode(APIInstanceList.self)
                #expect(stuck.instances.isEmpty, "\(stuck)")

                // A webhook dated by the runtime's clock is on time; one dated by the wall clock is two days off.
                let event = Array(#"{"msn":"123456","reference":"ev-nobody","pspReference":"psp-1","name":"AUTHORIZED","amount":{"value":100,"currency":"NOK"},"timestamp":"2026-11-27T12:00:00Z","idempotencyKey":null,"success":true}"#.utf8)
                let onTime = try await ServeAPITests.deliver(event, fixture, secret: ServeFixture.webhookSecret, date: clock.now)
                #expect(onTime.status == 200, "\(onTime.text)")
                let late = try await ServeAPITests.deliver(event, fixture, secret: ServeFixture.webhookSecret, date: Date())
                #expect(late.status == 401, "\(late.text)")
                #expect(try late.problem().code == "webhook.staleDate", "\(late.text)")
            }
        }
    }
}

/// The store calls a ``ThreadRecordingStore`` saw: the operation and the name of the thread it ran on.
final class StoreCalls: Sendable {
    struct Call: Sendable, CustomStringConvertible {
        var operation: String
        var thread: String
        var description: String { "\(operation) on '\(thread)'" }
    }

    private let calls = Mutex<[Call]>([])

    func record(_ operation: String) {
        let call = Call(operation: operation, thread: Self.currentThreadName())
        calls.withLock { $0.append(call) }
    }

    func reset() { calls.withLock { $0 = [] } }

    /// The calling thread's name as the kernel has it (what `ps -L` and `top -H` show).
    static func currentThreadName() -> String {
        ((try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func take() -> [Call] {
        calls.withLock { calls in
            defer { calls = [] }
            return calls
        }
    }
}

/// Forwards to the state folder and records on which thread each call ran.
struct ThreadRecordingStore: InstanceStoreDecorator {
    /// The names of the runner's threads (``RunThreads``) start with this.
    static let runnerThreadPrefix = "evflow-run"

    let base: any InstanceStore
    let calls: StoreCalls

    func create(_ instance: FlowInstance, arrival: Arrival) throws(StoreError) -> FlowInstance? {
        calls.record("create")
        return try base.create(instance, arrival: arrival)
    }

    func load(_ id: String) throws(StoreError) -> FlowInstance {
        calls.record("load")
        return try base.load(id)
    }

    func loadOutline(_ id: String) throws(StoreError) -> InstanceOutline {
        calls.record("loadOutline")
        return try base.loadOutline(id)
    }

    func save(_ instance: FlowInstance) throws(StoreError) {
        calls.record("save")
        try base.save(instance)
    }

    func instanceIDs() throws(StoreError) -> [String] {
        calls.record("instanceIDs")
        return try base.instanceIDs()
    }

    func lockHolder(_ id: String) -> LockHolder? {
        calls.record("lockHolder")
        return base.lockHolder(id)
    }

    func lockHolders(_ ids: [String]) -> [String: LockHolder] {
        calls.record("lockHolders")
        return base.lockHolders(ids)
    }

    func lock(_ id: String) throws(StoreError) -> (any InstanceLock)? {
        calls.record("lock")
        return try base.lock(id)
    }

    func deliver(_ signal: ReceivedSignal, to id: String, arrival: Arrival) throws(StoreError) -> Bool {
        calls.record("deliver")
        return try base.deliver(signal, to: id, arrival: arrival)
    }

    func inbox(of id: String) throws(StoreError) -> [ReceivedSignal] {
        calls.record("inbox")
        return try base.inbox(of: id)
    }

    func saveDefinition(_ bytes: [UInt8], contentHash: String) throws(StoreError) {
        calls.record("saveDefinition")
        try base.saveDefinition(bytes, contentHash: contentHash)
    }
}

extension ServeFixture {
    /// Serves the HTTP routes only, without the worker, on `clock` and with `wrap` around the state folder (the
    /// innermost store layer, under the ones the composition root adds), until `body` returns.
    func withRoutes<Result: Sendable>(
        clock: any FlowClock, wrap: @escaping @Sendable (any InstanceStore) -> any InstanceStore = { $0 },
        _ body: @Sendable () async throws -> Result
    ) async throws -> Result {
        let payments = EPaymentConfiguration(
            baseURL: simulator.baseURL, clientID: "routes-test", clientSecret: Secret("routes-test-secret"),
            subscriptionKey: Secret("routes-test-key"), merchantSerialNumber: "123456")
        let stateDirectory = self.stateDirectory
        var configuration = EvflowConfiguration(
            store: .opening({ wrap(try FileInstanceStore(stateDirectory: stateDirectory)) }, describedAs: stateDirectory.path),
            definitions: try FlowDefinitionLoader().load(directory: flows), payments: .settings(payments))
        configuration.clock = clock
        configuration.logger = .quiet
        let runtime = try ServerRuntime(configuration, httpClient: http)
        let server = EvflowServer(runtime: runtime, configuration: ServerConfiguration(
            host: "127.0.0.1", port: port, apiTokens: APITokens([Self.token]), webhookSecret: Secret(Self.webhookSecret),
            merchantSerialNumber: "123456"), metrics: .bootstrappedForTests, logger: .quiet)
        return try await Self.serving({ ready in
            [Application(
                router: server.router(), configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port)),
                onServerRunning: { _ in ready() }, logger: .quiet)]
        }, body)
    }
}
