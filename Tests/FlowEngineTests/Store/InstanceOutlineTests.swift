import EvflowTestSupport
import Foundation
import Testing

@testable import FlowEngine

/// `evflow list` and recovery read outlines, not whole instances: they must say exactly what the whole instance
/// says about itself, and a corrupt file must be handled as `load` handles it.
struct InstanceOutlineTests {
    @Test func anOutlineReadFromDiskEqualsTheOutlineOfTheLoadedInstance() async throws {
        try await StoreFixtures.withStore { store, _ throws in
            var instance = InstanceSamples.instance("outline-1")
            instance.currentStep = "capture"
            instance.failure = .init(code: .modificationFailed, message: "500 from the provider", step: "capture")
            for (index, step) in ["reserve", "authorize", "capture"].enumerated() {
                var record = StepRecord(step: step, visit: 1, enteredAt: instance.createdAt.addingTimeInterval(Double(index)))
                record.attempts = index + 1
                record.intent = .reserve(ReserveIntent(amount: Money(minorUnits: 50_000, currency: "NOK"), reference: "ev-outline-1"))
                record.lastError = index == 2 ? "HTTP 500" : nil
                record.completedAt = index == 2 ? nil : instance.createdAt.addingTimeInterval(Double(index) + 0.5)
                instance.steps.append(record)
            }
            try store.save(instance)

            let outline = try store.loadOutline(instance.id)
            #expect(outline == InstanceOutline(try store.load(instance.id)))
            #expect(outline.lastStep?.step == "capture")
            #expect(outline.currentRecord?.intent?.reservation?.reference == "ev-outline-1")
            #expect(outline.updatedAt == instance.updatedAt, "dates read back exactly")
            #expect(InstanceSummary(outline) == InstanceSummary(instance))
        }
    }

    @Test func anInstanceWithoutStepsHasNoLastStep() async throws {
        try await StoreFixtures.withStore { store, _ throws in
            let instance = InstanceSamples.instance("outline-2")
            try store.save(instance)
            #expect(try store.loadOutline(instance.id) == InstanceOutline(instance))
        }
    }

    @Test func aCorruptFileIsMovedAsideAsByLoad() async throws {
        try await StoreFixtures.withStore { store, layout throws in
            try Data("{\"id\": \"outline-3\", \"status\": ".utf8).write(to: URL(fileURLWithPath: layout.instanceFile("outline-3")))
            let error = try #require(throws: StoreError.self) { try store.loadOutline("outline-3") }
            #expect(error.code == .corrupt)
            #expect(error.quarantinedTo != nil)
            #expect(throws: StoreError.self) { try store.loadOutline("missing-1") }
        }
    }
}
