import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct FileInstanceStoreTests {
    @Test func savedInstancesLoadBackIdentically() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let instance = InstanceSamples.instance()
            #expect(try store.create(instance) == nil)
            #expect(try store.load(instance.id) == instance)

            var next = instance
            next.status = .succeeded
            next.currentStep = nil
            next.variables["due"] = .money(Money(minorUnits: 1, currency: "EUR"))
            next.updatedAt = Date()  // sub-millisecond precision survives too
            try store.save(next)
            let loaded = try store.load(instance.id)
            #expect(loaded == next)
            #expect(loaded.updatedAt == next.updatedAt)

            let text = try #require(String(bytes: StoreFixtures.bytes(layout.instanceFile(instance.id)) ?? [], encoding: .utf8))
            #expect(text.contains(#""createdAt" : "2026-11-18T11:06:40.125Z""#), "dates are ISO 8601 UTC for operators")
            #expect(text.contains(#""type" : "money""#))
        }
    }

    @Test func creatingAnExistingInstanceReturnsItUnchanged() async throws {
        try await StoreFixtures.withStore { store, _ throws in
            let first = InstanceSamples.instance("dup-1", variables: ["who": .string("first")])
            let second = InstanceSamples.instance("dup-1", variables: ["who": .string("second")])
            #expect(try store.create(first) == nil)
            let before = store.statistics
            #expect(try store.create(second) == first)
            #expect(try store.load("dup-1") == first)
            #expect(store.statistics.durableWrites == before.durableWrites, "a repeated start writes nothing")
            // It syncs the journal once, so the instance it answers with is durable (see ArrivalTests).
            #expect(store.statistics.fsyncs == before.fsyncs + 1)
        }
    }

    @Test func concurrentCreatorsOfOneIDHaveExactlyOneWinner() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let results = try await withThrowingTaskGroup(of: (Int, FlowInstance?).self) { group in
                for creator in 0..<20 {
                    group.addTask {
                        (creator, try store.create(InstanceSamples.instance("race-1", variables: ["creator": .integer(Int64(creator))])))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = results.filter { $0.1 == nil }.map(\.0)
            try #require(winners.count == 1, "winners: \(winners)")
            let stored = try store.load("race-1")
            #expect(stored.variables["creator"] == .integer(Int64(winners[0])))
            #expect(results.compactMap(\.1).allSatisfy { $0 == stored }, "every loser sees the winner's instance")
            #expect(StoreFixtures.entries(layout.instances) == ["race-1.json"], "no temporary files left")
        }
    }

    @Test func filesAre0600AndDirectories0700WhateverTheUmask() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            _ = try store.create(InstanceSamples.instance("perm-1"))
            _ = try store.deliver(InstanceSamples.signal("s-1"), to: "perm-1")
            let definition = Array(#"{"name":"x"}"#.utf8)
            try store.saveDefinition(definition, contentHash: StateLayout.sha256(definition))
            let lock = try #require(try store.lock("perm-1"))
            defer { lock.release() }

            for directory in [layout.root] + layout.directories + [layout.inboxDirectory("perm-1")] {
                #expect(try StoreFixtures.mode(directory) == 0o700, "\(directory)")
            }
            for file in [layout.instanceFile("perm-1"), layout.signalFile("s-1", of: "perm-1"),
                         layout.definitionFile(StateLayout.sha256(definition)), layout.lockFile("perm-1")] {
                #expect(try StoreFixtures.mode(file) == 0o600, "\(file)")
            }
        }
    }

    @Test func openingTightensLooseSubdirectories() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            _ = try store.create(InstanceSamples.instance("loose-1"))
            chmod(layout.instances, 0o755)
            chmod(layout.locks, 0o777)
            let reopened = try FileInstanceStore(stateDirectory: store.stateDirectory)
            #expect(try StoreFixtures.mode(layout.instances) == 0o700)
            #expect(try StoreFixtures.mode(layout.locks) == 0o700)
            #expect(try reopened.load("loose-1").id == "loose-1")
        }
    }

    @Test func aFileWhereTheStateDirectoryShouldBeIsAClearError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("evflow-not-a-dir-\(UUID().uuidString)")
        try StoreFixtures.write(Array("x".utf8), to: path.path)
        defer { try? FileManager.default.removeItem(at: path) }
        let error = expectStoreError(.io) { try FileInstanceStore(stateDirectory: path) }
        #expect(error?.description.contains("not a directory") == true)
    }

    @Test func savingReplacesAtomicallyAndLeavesNoTemporaryFiles() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            var instance = InstanceSamples.instance("atomic-1")
            _ = try store.create(instance)
            for step in 0..<5 {
                instance.currentStep = "step-\(step)"
                try store.save(instance)
            }
            #expect(try store.load("atomic-1").currentStep == "step-4")
            #expect(StoreFixtures.entries(layout.instances) == ["atomic-1.json"])
        }
    }

    @Test func aFailedWriteKeepsThePreviousVersion() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let previous = InstanceSamples.instance("fail-1")
            _ = try store.create(previous)
            let before = try #require(StoreFixtures.bytes(layout.instanceFile("fail-1")))
            // The same state directory, through a file system that refuses to put the new file in place (as a
            // full or failing disk would) after its bytes were written and synced.
            let failing = try FileInstanceStore(stateDirectory: store.stateDirectory, faults: .init { _ in EIO })

            var changed = previous
            changed.status = .failed
            let error = expectStoreError(.io) { try failing.save(changed) }
            #expect(error?.instanceID == "fail-1")
            #expect(error?.path == layout.instanceFile("fail-1"))
            #expect(error?.description.contains("Input/output error") == true, "\(String(describing: error))")
            #expect(StoreFixtures.bytes(layout.instanceFile("fail-1")) == before)
            #expect(try store.load("fail-1") == previous)

            expectStoreError(.io) { try failing.create(InstanceSamples.instance("fail-2")) }
            expectStoreError(.notFound) { try store.load("fail-2") }
            #expect(StoreFixtures.entries(layout.instances) == ["fail-1.json"], "temporary files are removed")
        }
    }

    @Test func temporaryFilesLeftByACrashAreIgnored() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let instance = InstanceSamples.instance("crash-1")
            _ = try store.create(instance)
            try StoreFixtures.write(Array("{\"id\": \"half".utf8), to: layout.instances + "/.crash-1.json.5f3a.tmp")
            #expect(try store.instanceIDs() == ["crash-1"])
            #expect(try store.load("crash-1") == instance)
        }
    }

    @Test func openingRemovesTemporaryFilesLeftByOldCrashes() async throws {
        try await StoreFixtures.withStore { store, layout in
            _ = try store.create(InstanceSamples.instance("old-1"))
            _ = try store.deliver(InstanceSamples.signal("s-1"), to: "old-1")
            let old = [layout.instances + "/.old-1.json.1a.tmp", layout.inboxDirectory("old-1") + "/.abc.json.2b.tmp",
                       layout.definitions + "/.def.json.3c.tmp"]
            let recent = layout.instances + "/.old-1.json.4d.tmp"
            for path in old + [recent] { try StoreFixtures.write(Array("partial".utf8), to: path) }
            let longAgo = Date().addingTimeInterval(-FileInstanceStore.staleTemporaryFileAge - 60)
            for path in old { try FileManager.default.setAttributes([.modificationDate: longAgo], ofItemAtPath: path) }

            _ = try FileInstanceStore(stateDirectory: store.stateDirectory)
            for path in old { #expect(!FileManager.default.fileExists(atPath: path), "\(path)") }
            #expect(FileManager.default.fileExists(atPath: recent), "a write may still be in progress in another process")
            #expect(try store.load("old-1").id == "old-1")
            #expect(try store.inbox(of: "old-1").map(\.id) == ["s-1"])
        }
    }

    @Test func listsEveryInstance() async throws {
        try await StoreFixtures.withStore { store, _ throws in
            #expect(try store.instanceIDs().isEmpty)
            for index in 0..<25 { _ = try store.create(InstanceSamples.instance("list-\(index)")) }
            #expect(Set(try store.instanceIDs()) == Set((0..<25).map { "list-\($0)" }))
        }
    }

    @Test func loadingAnUnknownInstanceIsNotFound() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let error = expectStoreError(.notFound) { try store.load("nobody") }
            #expect(error?.instanceID == "nobody")
            #expect(error?.path == layout.instanceFile("nobody"))
        }
    }

    @Test func writesAndFsyncsAreCounted() async throws {
        try await StoreFixtures.withStore { store, _ throws in
            let start = store.statistics
            var instance = InstanceSamples.instance("count-1")
            // Group commit: each create, save and delivery is one durable write whose one journal fsync is shared
            // with whatever else is saved at that moment (here nothing).
            _ = try store.create(instance)
            #expect(store.statistics == StoreStatistics(durableWrites: start.durableWrites + 1, fsyncs: start.fsyncs + 1))
            instance.currentStep = "authorize"
            try store.save(instance)
            #expect(store.statistics == StoreStatistics(durableWrites: start.durableWrites + 2, fsyncs: start.fsyncs + 2))
            // The first signal creates the inbox directory too, without an fsync: replay recreates it.
            _ = try store.deliver(InstanceSamples.signal("s-1"), to: "count-1")
            #expect(store.statistics == StoreStatistics(durableWrites: start.durableWrites + 3, fsyncs: start.fsyncs + 3))
            _ = try store.deliver(InstanceSamples.signal("s-2"), to: "count-1")
            // A duplicate writes nothing and syncs the journal once, so the first delivery it answers for is durable.
            _ = try store.deliver(InstanceSamples.signal("s-2"), to: "count-1")
            #expect(store.statistics == StoreStatistics(durableWrites: start.durableWrites + 4, fsyncs: start.fsyncs + 5))
            // Removing absorbed signals needs no fsync: a lost removal only brings back signals already seen.
            try store.removeFromInbox(["s-1", "s-2"], of: "count-1")
            #expect(store.statistics == StoreStatistics(durableWrites: start.durableWrites + 4, fsyncs: start.fsyncs + 5))
        }
    }

    @Test(arguments: ["../x", "", String(repeating: "a", count: 57), "a/b", "-x", ".hidden", "x.json", "ø"])
    func invalidIDsAreRejectedEverywhere(id: String) async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let before = try FileManager.default.subpathsOfDirectory(atPath: layout.root).sorted()
            expectStoreError(.invalidID) { try store.create(InstanceSamples.instance(id)) }
            expectStoreError(.invalidID) { try store.save(InstanceSamples.instance(id)) }
            expectStoreError(.invalidID) { try store.load(id) }
            expectStoreError(.invalidID) { try store.lock(id) }
            expectStoreError(.invalidID) { try store.deliver(InstanceSamples.signal("s"), to: id) }
            expectStoreError(.invalidID) { try store.inbox(of: id) }
            expectStoreError(.invalidID) { try store.removeFromInbox(["s"], of: id) }
            #expect(store.lockHolder(id) == nil)
            let error = expectStoreError(.invalidID) { try store.load(id) }
            #expect(error?.instanceID == id)
            #expect(error?.detail.contains("instance id") == true)
            #expect(try FileManager.default.subpathsOfDirectory(atPath: layout.root).sorted() == before, "nothing was written")
        }
    }

    @Test func theLongestValidIDWorks() async throws {
        try await StoreFixtures.withStore { store, _ throws in
            let id = String(repeating: "a", count: InstanceID.maximumLength)
            #expect(try store.create(InstanceSamples.instance(id)) == nil)
            #expect(try store.load(id).id == id)
        }
    }
}
