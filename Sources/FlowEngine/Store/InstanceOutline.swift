import Foundation

/// What listings, stuck diagnoses and recovery read of an instance: who it is, where it stands, its timer, its
/// money and its current step record, without its history, inputs, variables, step outputs or signals.
///
/// Why a separate type: decoding a whole ``FlowInstance`` (dictionaries of ``Value``s, every step record and
/// history entry) was most of the cost of `evflow list` and of a worker's recovery over 100,000 instances;
/// decoding only these fields from the same file is several times cheaper. It is a different type on purpose,
/// so an outline can never be saved in place of an instance.
package struct InstanceOutline: Decodable, Sendable, Equatable {
    package var id: String
    package var flow: FlowInstance.PinnedDefinition
    package var status: InstanceStatus
    package var createdAt: Date
    package var updatedAt: Date
    package var currentStep: String?
    package var wakeAt: Date?
    package var payment: PaymentSummary?
    package var failure: FlowInstance.Failure?
    /// The last step record (the current step's, or the one the instance finished or failed in).
    package var lastStep: StepRecord?
    /// Signal ids already used, so a repeated signal is recognised without reading the whole instance.
    package var seenSignalIDs: Set<String>
    /// As ``FlowInstance/unconfirmedReservation``: a reference a reserve intent recorded while no payment is
    /// recorded and the provider has not confirmed its absence (money may be held without the instance knowing).
    package var unconfirmedReservation: String?
    /// As ``FlowInstance/unsettledOperatorRefund``: an operator's refund whose outcome is not known yet.
    package var unsettledOperatorRefund: OperatorRefund?

    /// The outline of an instance already in memory.
    package init(_ instance: FlowInstance) {
        id = instance.id
        flow = instance.flow
        status = instance.status
        createdAt = instance.createdAt
        updatedAt = instance.updatedAt
        currentStep = instance.currentStep
        wakeAt = instance.wakeAt
        payment = instance.payment
        failure = instance.failure
        lastStep = instance.steps.last
        seenSignalIDs = instance.seenSignalIDs
        unconfirmedReservation = instance.unconfirmedReservation
        unsettledOperatorRefund = instance.unsettledOperatorRefund
    }

    /// The current step's record while that step is in progress, as ``FlowInstance/currentRecord`` (where a
    /// payment step keeps its intent, with the payment reference, before the call).
    package var currentRecord: StepRecord? {
        guard let currentStep, let lastStep, lastStep.step == currentStep, lastStep.completedAt == nil else { return nil }
        return lastStep
    }

    private enum CodingKeys: String, CodingKey {
        case id, flow, status, createdAt, updatedAt, currentStep, wakeAt, payment, failure, steps, seenSignalIDs, refunds
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        flow = try container.decode(FlowInstance.PinnedDefinition.self, forKey: .flow)
        status = try container.decode(InstanceStatus.self, forKey: .status)
        createdAt = try container.decode(Date.self, forKey: .createdAt)
        updatedAt = try container.decode(Date.self, forKey: .updatedAt)
        currentStep = try container.decodeIfPresent(String.self, forKey: .currentStep)
        wakeAt = try container.decodeIfPresent(Date.self, forKey: .wakeAt)
        payment = try container.decodeIfPresent(PaymentSummary.self, forKey: .payment)
        failure = try container.decodeIfPresent(FlowInstance.Failure.self, forKey: .failure)
        seenSignalIDs = try container.decodeIfPresent(Set<String>.self, forKey: .seenSignalIDs) ?? []
        unsettledOperatorRefund = try container.decodeIfPresent([OperatorRefund].self, forKey: .refunds)?.last { !$0.isSettled }
        // Only the last record is decoded; of the others only a reserve intent's reference is read, and only while no
        // payment is recorded (listings and recovery read every outline, so the probe is skipped when it cannot matter).
        var steps = try container.nestedUnkeyedContainer(forKey: .steps)
        var last: StepRecord?
        var reservation: String?
        while !steps.isAtEnd {
            if let count = steps.count, steps.currentIndex < count - 1 {
                guard payment == nil else {
                    _ = try steps.decode(Skipped.self)
                    continue
                }
                let probe = try steps.decode(ReservationProbe.self)
                if let reference = probe.reference, !probe.confirmedAbsent { reservation = reference }
            } else {
                let record = try steps.decode(StepRecord.self)
                if let reference = record.intentReference, record.noEffectConfirmedAt == nil { reservation = reference }
                last = record
            }
        }
        lastStep = last
        unconfirmedReservation = payment == nil ? reservation : nil
    }

    /// Any JSON value, read past without decoding it.
    private struct Skipped: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    /// A step record read only for a reserve intent's reference and whether its absence was confirmed.
    private struct ReservationProbe: Decodable {
        var reference: String?
        var confirmedAbsent = false

        private enum Keys: String, CodingKey { case intent, noEffectConfirmedAt }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            confirmedAbsent = container.contains(.noEffectConfirmedAt)
            // Decoded as the whole instance decodes it; one that does not decode is no reference here, and loading the
            // whole instance reports it.
            reference = (try? container.decodeIfPresent(PaymentIntent.self, forKey: .intent))?.reservation?.reference
        }
    }
}
