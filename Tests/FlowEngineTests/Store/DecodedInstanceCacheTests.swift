import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

/// The file store answers a load of a file it just wrote (or read) from memory, and only then: a file holding
/// other bytes, whoever wrote them, is decoded as before (``DecodedInstanceCache``).
struct DecodedInstanceCacheTests {
    @Test func aLoadAfterASaveIsNotDecodedAgain() async throws {
        try await StoreFixtures.withStore { store, _ in
            var instance = InstanceSamples.instance("cache-1")
            _ = try store.create(instance)
            instance.log("signal", step: "meter", "meterReading m-2 used", at: InstanceSamples.start.addingTimeInterval(60))
            try store.save(instance)
            #expect(try store.load("cache-1") == instance)
            #expect(try store.loadOutline("cache-1") == InstanceOutline(instance))
            #expect(store.decoded.statistics == .init(hits: 2, misses: 0), "the file held the bytes just written: nothing decoded")
        }
    }

    @Test func anotherStoreOnTheSameFolderNeverGetsAStaleInstance() async throws {
        try await StoreFixtures.withStore { store, _ in
            let other = try FileInstanceStore(stateDirectory: store.stateDirectory)
            var instance = InstanceSamples.instance("cache-2")
            _ = try store.create(instance)
            #expect(try other.load("cache-2") == instance, "decoded once by the other store, then kept")
            instance.variables["energyWh"] = .integer(12_000)
            try store.save(instance)
            #expect(try other.load("cache-2") == instance, "the other store's copy is not served: the file changed")
            #expect(try other.loadOutline("cache-2") == InstanceOutline(instance))
            #expect(other.decoded.statistics.misses == 2 && other.decoded.statistics.hits == 1, "\(other.decoded.statistics)")
            // And back: the first store's memory is stale now, and is not used either.
            instance.status = .succeeded
            try other.save(instance)
            #expect(try store.load("cache-2") == instance)
        }
    }

    @Test func aHandEditOfACachedFileIsWhatTheNextLoadReturns() async throws {
        try await StoreFixtures.withStore { store, layout in
            let instance = InstanceSamples.instance("cache-3")
            _ = try store.create(instance)
            #expect(try store.load("cache-3") == instance)
            let path = layout.instanceFile("cache-3")
            let edited = try #require(String(data: try Data(contentsOf: URL(filePath: path)), encoding: .utf8))
                .replacingOccurrences(of: #""cancellationRequest" : "operator: station offline""#, with: #""cancellationRequest" : "edited by hand""#)
            try StoreFixtures.write(Array(edited.utf8), to: path)
            #expect(try store.load("cache-3").cancellationRequest == "edited by hand")
        }
    }

    @Test func aCachedInstanceWhoseFileWasDamagedIsReportedCorruptNotServed() async throws {
        try await StoreFixtures.withStore { store, layout in
            _ = try store.create(InstanceSamples.instance("cache-4"))
            try StoreFixtures.write(Array(#"{"id": "cache-4", "flow": "#.utf8), to: layout.instanceFile("cache-4"))
            expectStoreError(.corrupt) { try store.load("cache-4") }
            #expect(StoreFixtures.entries(layout.corrupt).contains { $0.hasPrefix("cache-4-") }, "set aside as always")
            expectStoreError(.notFound) { try store.load("cache-4") }
        }
    }

    @Test func aFinishedInstanceIsDroppedAndTheCacheStaysBounded() async throws {
        try await StoreFixtures.withStore { store, _ in
            var finished = InstanceSamples.instance("cache-5")
            _ = try store.create(finished)
            finished.status = .succeeded
            try store.save(finished)
            #expect(try store.load("cache-5") == finished)
            #expect(store.decoded.statistics.misses == 1, "a finished instance is not kept after its last save")

            let cache = DecodedInstanceCache<[UInt8]>(capacity: 3)
            for number in 1...5 { cache.remember(InstanceSamples.instance("bounded-\(number)"), version: [UInt8(number)]) }
            #expect(cache.instance("bounded-1", matching: [1]) == nil && cache.instance("bounded-2", matching: [2]) == nil, "the oldest went first")
            #expect(cache.instance("bounded-5", matching: [5]) != nil && cache.instance("bounded-5", matching: [6]) == nil)
        }
    }
}
