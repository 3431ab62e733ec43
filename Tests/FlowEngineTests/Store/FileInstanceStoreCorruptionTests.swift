import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A state file that does not decode is moved to `corrupt/` byte for byte, reported with what is wrong, and
/// never stops other instances.
struct FileInstanceStoreCorruptionTests {
    enum Damage: String, CaseIterable, CustomTestStringConvertible {
        case truncated, wrongType, missingField, garbage, empty, otherInstance

        var testDescription: String { rawValue }

        /// The damaged bytes, made from a valid instance file, and a phrase the error must contain.
        func apply(to valid: [UInt8]) throws -> (bytes: [UInt8], expected: String) {
            switch self {
            case .truncated: return (Array(valid.prefix(valid.count / 2)), "not valid JSON")
            case .wrongType: return (try edit(valid) { json in
                var flow = json["flow"] as! [String: Any]
                flow["version"] = "three"
                json["flow"] = flow
            }, "$.flow.version")
            case .missingField: return (try edit(valid) { $0["inputDigest"] = nil }, "$.inputDigest: required field is missing")
            case .garbage: return ([0xff, 0xfe, 0x00, 0x13, 0x37] + Array(repeating: 0x80, count: 100), "not a valid instance file")
            case .empty: return ([], "not a valid instance file")
            case .otherInstance: return (try edit(valid) { $0["id"] = "someone-else" }, "holds instance \"someone-else\"")
            }
        }

        private func edit(_ valid: [UInt8], _ change: (inout [String: Any]) -> Void) throws -> [UInt8] {
            var json = try JSONSerialization.jsonObject(with: Data(valid)) as! [String: Any]
            change(&json)
            return Array(try JSONSerialization.data(withJSONObject: json))
        }
    }

    @Test(arguments: Damage.allCases)
    func aCorruptInstanceIsMovedAsideUntouched(damage: Damage) async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let good = InstanceSamples.instance("good-1")
            _ = try store.create(good)
            _ = try store.create(InstanceSamples.instance("bad-1"))
            let path = layout.instanceFile("bad-1")
            let (damaged, expected) = try damage.apply(to: try #require(StoreFixtures.bytes(path)))
            try StoreFixtures.write(damaged, to: path)

            let error = try #require(expectStoreError(.corrupt) { try store.load("bad-1") })
            #expect(error.instanceID == "bad-1")
            #expect(error.path == path)
            let quarantined = try #require(error.quarantinedTo)
            #expect(quarantined.hasPrefix(layout.corrupt + "/bad-1-"))
            #expect(quarantined.hasSuffix("Z.json"))
            #expect(StoreFixtures.bytes(quarantined) == damaged, "moved byte for byte")
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(error.detail.contains(expected), "\(error.detail)")
            for part in ["bad-1", path, quarantined] {
                #expect(error.description.contains(part), "\(error.description)")
            }

            #expect(try store.load("good-1") == good, "other instances are unaffected")
            #expect(try store.instanceIDs() == ["good-1"])
            expectStoreError(.notFound) { try store.load("bad-1") }
        }
    }

    @Test func quarantineNeverOverwritesAnEarlierCorruptFile() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            var moved = [String]()
            for round in 0..<3 {
                let bytes = Array("round \(round)".utf8)
                try StoreFixtures.write(bytes, to: layout.instanceFile("again-1"))
                let error = expectStoreError(.corrupt) { try store.load("again-1") }
                let quarantined = try #require(error?.quarantinedTo)
                #expect(StoreFixtures.bytes(quarantined) == bytes)
                moved.append(quarantined)
            }
            #expect(Set(moved).count == 3)
            for (round, path) in moved.enumerated() {
                #expect(StoreFixtures.bytes(path) == Array("round \(round)".utf8), "still there after later rounds")
            }
        }
    }

    // A directory in place of an instance file used to be an I/O error left in place (and reported on every
    // listing); it is now set aside like any entry that is not a regular file: see HostileFileTests.

    @Test(.enabled(if: getuid() != 0, "root reads files whatever their mode"))
    func aFileWithoutReadPermissionIsAnIOErrorAndStaysInPlace() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            _ = try store.create(InstanceSamples.instance("noread-1"))
            chmod(layout.instanceFile("noread-1"), 0o000)
            let error = expectStoreError(.io) { try store.load("noread-1") }
            #expect(error?.detail.contains("permission") == true)
            #expect(FileManager.default.fileExists(atPath: layout.instanceFile("noread-1")))
            #expect(StoreFixtures.entries(layout.corrupt).isEmpty)
        }
    }

    @Test func aCorruptSignalIsMovedAsideAndTheRestOfTheInboxStays() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            _ = try store.create(InstanceSamples.instance("sig-1"))
            #expect(try store.deliver(InstanceSamples.signal("good"), to: "sig-1"))
            #expect(try store.deliver(InstanceSamples.signal("bad"), to: "sig-1"))
            try StoreFixtures.write(Array("{\"id\":".utf8), to: layout.signalFile("bad", of: "sig-1"))

            let error = expectStoreError(.corrupt) { try store.inbox(of: "sig-1") }
            let quarantined = try #require(error?.quarantinedTo)
            #expect(quarantined.hasPrefix(layout.corrupt + "/sig-1-inbox-"))
            #expect(StoreFixtures.bytes(quarantined) == Array("{\"id\":".utf8))
            #expect(try store.inbox(of: "sig-1").map(\.id) == ["good"])
        }
    }

    @Test func aDamagedDefinitionIsMovedAsideAndCanBeSavedAgain() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            let bytes = Array(#"{"name":"ev-charging","version":1}"#.utf8)
            let hash = StateLayout.sha256(bytes)
            try store.saveDefinition(bytes, contentHash: hash)
            try StoreFixtures.write(Array(#"{"name":"ev-charging","version":2}"#.utf8), to: layout.definitionFile(hash))

            let error = expectStoreError(.corrupt) { try store.loadDefinition(contentHash: hash) }
            #expect(error?.quarantinedTo?.hasPrefix(layout.corrupt + "/definition-\(hash)-") == true)
            #expect(try store.loadDefinition(contentHash: hash) == nil)
            try store.saveDefinition(bytes, contentHash: hash)
            #expect(try store.loadDefinition(contentHash: hash) == bytes)
        }
    }
}
