import Foundation
import Synchronization

/// The definitions a runner knows: the current one per flow name for starting, and every pinned version by
/// content hash for running instances that started on an older file.
package final class DefinitionCatalog: Sendable {
    private let current: [String: FlowDefinition]
    private let store: any InstanceStore
    private let pinned: Mutex<[String: FlowDefinition]>
    /// Content hashes this catalog has stored already: pinning is done once per definition, not per start.
    private let stored = Mutex<Set<String>>([])

    package init(definitions: [String: FlowDefinition], store: any InstanceStore) {
        current = definitions
        self.store = store
        pinned = Mutex(Dictionary(definitions.values.map { ($0.contentHash, $0) }, uniquingKeysWith: { first, _ in first }))
    }

    /// The current definition of `name`, for starting new instances.
    package func definition(named name: String) -> FlowDefinition? { current[name] }

    package var names: [String] { current.keys.sorted() }

    /// Stores the definition's canonical bytes under its hash so instances can be resumed after the file changes.
    /// Only the first start of each definition per runtime stores them.
    package func pin(_ definition: FlowDefinition) throws {
        if stored.withLock({ $0.contains(definition.contentHash) }) { return }
        // The bytes the definition was validated from, whose SHA-256 is the content hash: the file itself may
        // have been edited since it was loaded, and the instance must pin what it runs.
        try store.saveDefinition(definition.canonicalBytes, contentHash: definition.contentHash)
        stored.withLock { _ = $0.insert(definition.contentHash) }
    }

    /// The definition an instance is pinned to.
    package func definition(for pin: FlowInstance.PinnedDefinition) throws -> FlowDefinition {
        if let known = pinned.withLock({ $0[pin.contentHash] }) { return known }
        guard let bytes = try store.loadDefinition(contentHash: pin.contentHash) else {
            throw FlowError(.definitionMissing, flow: pin.name,
                            detail: "definition \(pin.name) v\(pin.version) (\(pin.contentHash.prefix(12))) is not in the store")
        }
        let definition = try FlowDefinitionLoader().load(text: String(decoding: bytes, as: UTF8.self),
                                                         file: "pinned:\(pin.name)@\(pin.contentHash.prefix(12))")
        pinned.withLock { $0[pin.contentHash] = definition }
        return definition
    }
}
