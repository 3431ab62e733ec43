import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

struct FileInstanceStoreDefinitionTests {
    @Test func definitionsAreStoredOnceByContent() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let bytes = Array(#"{"name":"ev-charging","steps":[],"version":1}"#.utf8)
            let hash = StateLayout.sha256(bytes)
            #expect(try store.loadDefinition(contentHash: hash) == nil)
            try store.saveDefinition(bytes, contentHash: hash)
            let afterFirst = store.statistics
            try store.saveDefinition(bytes, contentHash: hash)
            #expect(store.statistics == afterFirst, "saving again writes nothing")
            #expect(try store.loadDefinition(contentHash: hash) == bytes)
            #expect(StoreFixtures.entries(layout.definitions) == ["\(hash).json"])
        }
    }

    @Test func aShippedDefinitionIsStoredUnderItsContentHash() async throws {
        try await StoreFixtures.withStore { store, _ throws in
            let file = DefinitionFixtures.flowsDirectory.appendingPathComponent("ev-charging.json")
            let node = try JSONParser.parse(try String(contentsOf: file, encoding: .utf8))
            try store.saveDefinition(node.canonicalBytes, contentHash: node.contentHash)
            #expect(try store.loadDefinition(contentHash: node.contentHash) == node.canonicalBytes)
        }
    }

    @Test func aDefinitionDamagedOnDiskIsReplacedWhenSavedAgain() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let bytes = Array(#"{"name":"fixed-price"}"#.utf8)
            let hash = StateLayout.sha256(bytes)
            try store.saveDefinition(bytes, contentHash: hash)
            try StoreFixtures.write(Array("{}".utf8), to: layout.definitionFile(hash))
            try store.saveDefinition(bytes, contentHash: hash)
            #expect(try store.loadDefinition(contentHash: hash) == bytes)
            let moved = StoreFixtures.entries(layout.corrupt)
            #expect(moved.count == 1 && moved[0].hasPrefix("definition-\(hash)-"), "\(moved)")
        }
    }

    @Test(arguments: ["../instances/x", "", String(repeating: "A", count: 64), String(repeating: "a", count: 63), String(repeating: "g", count: 64)])
    func invalidContentHashesAreRejected(hash: String) async throws {
        try await StoreFixtures.withStore { store, layout throws in
            expectStoreError(.invalidID) { try store.saveDefinition([1], contentHash: hash) }
            expectStoreError(.invalidID) { try store.loadDefinition(contentHash: hash) }
            #expect(StoreFixtures.entries(layout.definitions).isEmpty)
        }
    }

    @Test func bytesThatDoNotMatchTheirHashAreRefused() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let hash = StateLayout.sha256(Array("one".utf8))
            let error = expectStoreError(.invalidID) { try store.saveDefinition(Array("two".utf8), contentHash: hash) }
            #expect(error?.detail.contains("hash to \(StateLayout.sha256(Array("two".utf8)))") == true)
            #expect(StoreFixtures.entries(layout.definitions).isEmpty)
        }
    }
}
