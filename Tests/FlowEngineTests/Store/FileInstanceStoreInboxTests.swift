import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

struct FileInstanceStoreInboxTests {
    @Test func signalsAreDeliveredOnceAndListedOldestFirst() async throws {
        try await StoreFixtures.withStore { store, _ throws in
            _ = try store.create(InstanceSamples.instance("inbox-1"))
            let t = InstanceSamples.start
            let signals = [
                InstanceSamples.signal("m-3", at: t.addingTimeInterval(3)),
                InstanceSamples.signal("m-1", at: t.addingTimeInterval(1), data: ["kwh": .integer(5), "cost": .money(Money(minorUnits: 250, currency: "NOK"))]),
                InstanceSamples.signal("end-b", name: "sessionEnded", at: t.addingTimeInterval(4)),
                InstanceSamples.signal("end-a", name: "sessionEnded", at: t.addingTimeInterval(4)),
                InstanceSamples.signal("m-2", at: t.addingTimeInterval(2)),
            ]
            for signal in signals { #expect(try store.deliver(signal, to: "inbox-1")) }
            let inbox = try store.inbox(of: "inbox-1")
            #expect(inbox.map(\.id) == ["m-1", "m-2", "m-3", "end-a", "end-b"])
            #expect(inbox.first == signals[1], "fields and time come back exactly")
        }
    }

    @Test func aDuplicateIsReportedAndDoesNotReplaceTheOriginal() async throws {
        try await StoreFixtures.withStore { store, _ throws in
            _ = try store.create(InstanceSamples.instance("dup-1"))
            let original = InstanceSamples.signal("reading-7", data: ["kwh": .integer(7)])
            #expect(try store.deliver(original, to: "dup-1"))
            #expect(try store.deliver(InstanceSamples.signal("reading-7", data: ["kwh": .integer(999)]), to: "dup-1") == false)
            #expect(try store.inbox(of: "dup-1") == [original])
        }
    }

    @Test func concurrentDeliveriesOfOneSignalStoreItOnce() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            _ = try store.create(InstanceSamples.instance("race-1"))
            let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for sender in 0..<20 {
                    group.addTask { try store.deliver(InstanceSamples.signal("once", data: ["sender": .integer(Int64(sender))]), to: "race-1") }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(accepted == 1)
            #expect(try store.inbox(of: "race-1").count == 1)
            #expect(StoreFixtures.entries(layout.inboxDirectory("race-1")).count == 1, "no temporary files left")
        }
    }

    @Test func removingSignalsEmptiesTheInboxAndTheNextDeliveryWorks() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            _ = try store.create(InstanceSamples.instance("rm-1"))
            _ = try store.create(InstanceSamples.instance("rm-2"))
            _ = try store.create(InstanceSamples.instance("idle-1"))
            for id in ["a", "b", "c"] { _ = try store.deliver(InstanceSamples.signal(id), to: "rm-1") }
            _ = try store.deliver(InstanceSamples.signal("x"), to: "rm-2")
            #expect(Set(try store.instancesWithPendingSignals()) == ["rm-1", "rm-2"])

            try store.removeFromInbox(["a", "c", "never-delivered"], of: "rm-1")
            #expect(try store.inbox(of: "rm-1").map(\.id) == ["b"])
            try store.removeFromInbox(["b"], of: "rm-1")
            #expect(try store.inbox(of: "rm-1").isEmpty)
            #expect(try store.instancesWithPendingSignals() == ["rm-2"])
            #expect(!FileManager.default.fileExists(atPath: layout.inboxDirectory("rm-1")), "an empty inbox leaves no directory behind")

            #expect(try store.deliver(InstanceSamples.signal("d"), to: "rm-1"))
            #expect(try store.inbox(of: "rm-1").map(\.id) == ["d"])
            try store.removeFromInbox([], of: "idle-1")
            #expect(try store.inbox(of: "idle-1").isEmpty)
        }
    }

    @Test func anEmptyInboxDirectoryLeftByACrashIsNotPending() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            _ = try store.create(InstanceSamples.instance("empty-1"))
            try FileManager.default.createDirectory(atPath: layout.inboxDirectory("empty-1"), withIntermediateDirectories: false)
            try StoreFixtures.write([], to: layout.inboxDirectory("empty-1") + "/.abc.json.1.tmp")
            #expect(try store.instancesWithPendingSignals().isEmpty)
            #expect(try store.inbox(of: "empty-1").isEmpty)
        }
    }

    @Test func signalIDsCannotEscapeTheInbox() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            _ = try store.create(InstanceSamples.instance("esc-1"))
            let ids = ["../../instances/esc-1", "/etc/passwd", "ø/å", String(repeating: "long", count: 500), ""]
            for id in ids { #expect(try store.deliver(InstanceSamples.signal(id), to: "esc-1")) }
            #expect(Set(try store.inbox(of: "esc-1").map(\.id)) == Set(ids))
            #expect(StoreFixtures.entries(layout.inboxDirectory("esc-1")).count == ids.count)
            #expect(try store.load("esc-1").id == "esc-1")
            try store.removeFromInbox(ids, of: "esc-1")
            #expect(try store.inbox(of: "esc-1").isEmpty)
        }
    }

    @Test func deliveringToAnUnknownInstanceIsNotFound() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let error = expectStoreError(.notFound) { try store.deliver(InstanceSamples.signal("s"), to: "ghost-1") }
            #expect(error?.instanceID == "ghost-1")
            #expect(!FileManager.default.fileExists(atPath: layout.inboxDirectory("ghost-1")))
            #expect(try store.instancesWithPendingSignals().isEmpty)
        }
    }
}
