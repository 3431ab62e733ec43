import Foundation
import Testing

@testable import FlowEngine

/// The names shared between layers, typed once (``StepOutputKey``, ``FailureCode``), agree with the documentation
/// that operators and flow authors read.
struct TypedContractTests {
    static let flowsDocument = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/flows.md")

    @Test func everyEngineFailureCodeIsListedWithWhatToDoInTheFlowGuide() throws {
        let text = try String(contentsOf: Self.flowsDocument, encoding: .utf8)
        let section = try #require(text.range(of: "### Failure codes").map { text[$0.upperBound...] })
        let table = section.split(separator: "\n").prefix { !$0.hasPrefix("## ") && !$0.hasPrefix("### ") }
        for code in FailureCode.engineCodes {
            let row = table.first { $0.hasPrefix("| `\(code.rawValue)` |") }
            #expect(row != nil, "docs/flows.md, Failure codes, has no row for \(code.rawValue)")
            #expect((row?.split(separator: "|").count ?? 0) >= 3, "\(code.rawValue): its meaning and what an operator does")
        }
        #expect(Set(FailureCode.engineCodes).count == FailureCode.engineCodes.count)
    }

    @Test func aFailureCodeIsItsTextInStateFiles() throws {
        let failure = FlowInstance.Failure(code: .noPayment, message: "m", step: "capture")
        let text = String(decoding: try StateFileCoding.encoder().encode(failure), as: UTF8.self)
        #expect(text.contains(#""code" : "engine.noPayment""#), "\(text)")
        let read = try StateFileCoding.decoder().decode(FlowInstance.Failure.self, from: Data(#"{"code": "station.unreachable", "message": "m"}"#.utf8))
        #expect(read.code == FailureCode(rawValue: "station.unreachable"))
    }

    /// Every output a kind declares is documented for that kind, and every output name is some kind's.
    @Test func everyDeclaredStepOutputIsDocumented() throws {
        let text = try String(contentsOf: Self.flowsDocument, encoding: .utf8)
        var declared = Set<StepOutputKey>()
        for kind in StepKind.names {
            for key in StepKind.outputs(ofKind: kind).keys {
                declared.insert(key)
                #expect(text.contains("`\(key.rawValue)`"), "docs/flows.md does not mention the \(kind) output \(key.rawValue)")
            }
        }
        #expect(declared == Set(StepOutputKey.allCases), "an output name no kind declares")
    }
}
