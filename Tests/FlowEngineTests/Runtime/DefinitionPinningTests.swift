import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

/// An instance pins the definition it was started from: the bytes loaded and validated, not whatever the file
/// holds when the first start comes (an operator may be editing it), and without reading the file again.
struct DefinitionPinningTests {
    enum StoreKind: String, CaseIterable { case file, memory }

    @Test(arguments: StoreKind.allCases)
    func pinStoresTheLoadedBytesEvenAfterTheFileChanged(kind: StoreKind) throws {
        let folder = try TemporaryFolder.make("evflow-pinning")
        defer { TemporaryFolder.remove(folder) }
        let file = folder.appending(path: "ev-charging.json")
        let original = try String(contentsOf: Repository.flows.appending(path: "ev-charging.json"), encoding: .utf8)
        try original.write(to: file, atomically: true, encoding: .utf8)
        let definition = try FlowDefinitionLoader().load(fileAt: file)
        #expect(definition.canonicalBytes == (try JSONParser.parse(original)).canonicalBytes)
        #expect(definition.contentHash == (try JSONParser.parse(original)).contentHash, "the hash is the canonical bytes' hash")

        // The file is edited (a new version) before the first start pins it.
        let edited = original.replacingOccurrences(of: "\"version\": ", with: "\"version\": 1")
        #expect(try JSONParser.parse(edited).contentHash != definition.contentHash, "the edit is a real change")
        try edited.write(to: file, atomically: true, encoding: .utf8)
        let store: any InstanceStore = switch kind {
        case .file: try FileInstanceStore(stateDirectory: folder.appending(path: "state"))
        case .memory: MemoryInstanceStore()
        }
        let catalog = DefinitionCatalog(definitions: [definition.name: definition], store: store)
        try catalog.pin(definition)

        let stored = try #require(try store.loadDefinition(contentHash: definition.contentHash), "pinned under its hash")
        #expect(stored == definition.canonicalBytes, "the bytes that were loaded, not the edited file")
        let reread = DefinitionCatalog(definitions: [:], store: store)
        let pinned = try reread.definition(for: .init(name: definition.name, version: definition.version, contentHash: definition.contentHash))
        #expect(pinned.contentHash == definition.contentHash && pinned.steps.map(\.id) == definition.steps.map(\.id),
                "a runtime that never loaded the file runs the pinned definition")
    }
}
