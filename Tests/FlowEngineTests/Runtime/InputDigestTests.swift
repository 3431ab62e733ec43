import Crypto
import FlowEngine
import FlowTesting
import Foundation
import Testing

/// The input digest in a state file lets a repeated start be recognised without keeping the customer's phone
/// number, and cannot be turned back into that number.
@Suite("Input digest")
struct InputDigestTests {
    static let flows = EVChargingFlowTests.flows

    /// The digest evflow wrote before salting: SHA-256 over the sorted-keys JSON of every input (defaults filled in).
    static func unsaltedDigest(_ inputs: [String: Value]) throws -> String {
        let definition = try #require(try FlowDefinitionLoader().load(directory: flows)["ev-charging"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return SHA256.hash(data: try encoder.encode(try definition.resolveInputs(inputs))).map { String(format: "%02x", $0) }.joined()
    }

    static func stateFile(_ bed: FlowTestBed, _ id: String) -> URL {
        bed.stateDirectory.appendingPathComponent("instances/\(id).json")
    }

    static func storedDigest(_ bed: FlowTestBed, _ id: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: stateFile(bed, id))) as? [String: Any]
        return try #require(object?["inputDigest"] as? String, "no inputDigest in the state file")
    }

    /// Replaces the state file's digest, keeping the file (and its mode) in place.
    static func replaceDigest(_ bed: FlowTestBed, _ id: String, with digest: String) throws {
        let url = stateFile(bed, id)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        object["inputDigest"] = digest
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    static func inputs(phone: String = "4791234567", pricePerKWh: Int64 = 399) -> [String: Value] {
        var inputs = EVChargingFlowTests.inputs(pricePerKWh: pricePerKWh)
        inputs["phoneNumber"] = .phoneNumber(phone)
        return inputs
    }

    @Test func theStoredDigestDoesNotRevealThePhoneNumber() async throws {
        try await withFlowTestBed(flows: Self.flows) { bed in
            try await bed.start("ev-charging", id: "digest-brute", inputs: Self.inputs())
            let stored = try Self.storedDigest(bed, "digest-brute")
            // An attacker with the state file tries every number of a block (here the hundred around the real one).
            let candidates = (0..<100).map { "47912345" + String(format: "%02d", $0) }
            #expect(candidates.contains("4791234567"))
            let recovered = try candidates.filter { try Self.unsaltedDigest(Self.inputs(phone: $0)) == stored }
            #expect(recovered.isEmpty, "the digest gives the phone number away: \(recovered)")
            #expect(!stored.contains("4791234567"))
            let file = try String(contentsOf: Self.stateFile(bed, "digest-brute"), encoding: .utf8)
            #expect(!file.contains("4791234567"), "the phone number is kept after the payment exists")
        }
    }

    @Test func twoInstancesWithTheSameInputsGetDifferentDigests() async throws {
        try await withFlowTestBed(flows: Self.flows) { bed in
            try bed.runner.start(flow: "ev-charging", id: "digest-a", inputs: Self.inputs())
            try bed.runner.start(flow: "ev-charging", id: "digest-b", inputs: Self.inputs())
            #expect(try Self.storedDigest(bed, "digest-a") != Self.storedDigest(bed, "digest-b"))
        }
    }

    @Test func aRepeatedStartIsRecognisedAndOtherInputsAreRefused() async throws {
        try await withFlowTestBed(flows: Self.flows) { bed in
            // Before the payment exists the phone number is still there to compare.
            let first = try bed.runner.start(flow: "ev-charging", id: "digest-early", inputs: Self.inputs())
            #expect(first.created)
            // The harness's clock stands still: only the runner can say that the second start created nothing.
            let again = try bed.runner.start(flow: "ev-charging", id: "digest-early", inputs: Self.inputs())
            #expect(!again.created)
            #expect(again.instance.createdAt == first.instance.createdAt)
            let otherPhone = #expect(throws: FlowError.self) {
                try bed.runner.start(flow: "ev-charging", id: "digest-early", inputs: Self.inputs(phone: "4798765432"))
            }
            #expect(otherPhone?.code == .conflictingStart)

            // After it exists (the number deleted) the same inputs are still recognised, other prices refused.
            let started = try await bed.start("ev-charging", id: "digest-late", inputs: Self.inputs())
            #expect(try bed.instance("digest-late").payment != nil)
            let repeated = try bed.runner.start(flow: "ev-charging", id: "digest-late", inputs: Self.inputs())
            #expect(!repeated.created)
            #expect(repeated.instance.createdAt == started.createdAt)
            let otherPrice = #expect(throws: FlowError.self) {
                try bed.runner.start(flow: "ev-charging", id: "digest-late", inputs: Self.inputs(pricePerKWh: 400))
            }
            #expect(otherPrice?.code == .conflictingStart)
        }
    }

    @Test func aStateFileWithTheOldUnsaltedDigestStillWorks() async throws {
        try await withFlowTestBed(flows: Self.flows) { bed in
            for (id, run) in [("digest-old-early", false), ("digest-old-late", true)] {
                let first = try bed.runner.start(flow: "ev-charging", id: id, inputs: Self.inputs()).instance
                if run { await bed.runUntilIdle() }
                try Self.replaceDigest(bed, id, with: try Self.unsaltedDigest(Self.inputs()))
                #expect(try bed.instance(id).inputDigest == (try Self.unsaltedDigest(Self.inputs())))
                #expect(try bed.runner.start(flow: "ev-charging", id: id, inputs: Self.inputs()).instance.createdAt == first.createdAt, "\(id)")
                let other = #expect(throws: FlowError.self, "\(id)") {
                    try bed.runner.start(flow: "ev-charging", id: id, inputs: Self.inputs(pricePerKWh: 400))
                }
                #expect(other?.code == .conflictingStart)
            }
        }
    }
}
