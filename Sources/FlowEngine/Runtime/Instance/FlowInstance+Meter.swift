import Foundation

/// What an instance has learnt from OCPP meter values, kept so that each new one is checked against the ones
/// before it.
package struct MeterState: Codable, Sendable, Equatable {
    /// The transaction the first meter value named: later ones for another transaction are refused.
    package var transactionID: String
    /// The highest cumulative reading taken in, in Wh: the energy never goes below it.
    package var highestWh: Int64
    /// The highest OCPP 2.0.1 `seqNo` taken in.
    package var lastSequenceNumber: Int64?
}

extension FlowInstance {
    /// Takes a signal made from OCPP meter values into the instance (under its lock, in inbox order): records the
    /// reading (and its rounding) in the timeline, notes a `seqNo` gap or a reading below one already seen, and
    /// keeps the energy from going down, by delivering the highest reading seen in the signal's energy field.
    ///
    /// - Returns: the signal to hand to the flow, or `nil` when it carries no reading for the flow (an OCPP 2.0.1
    ///   `Started` or `Updated` event without an energy sample, kept only for its `seqNo`), or belongs to another
    ///   transaction than the one the instance meters (refused at the door, so only an instance from before the
    ///   door's binding lock could have one).
    package mutating func absorbMeterReading(_ signal: ReceivedSignal, at now: Date) -> ReceivedSignal? {
        guard let reading = signal.meter else { return signal }
        let step = currentStep
        var state = meter ?? MeterState(transactionID: reading.transactionID, highestWh: 0, lastSequenceNumber: nil)
        guard state.transactionID == reading.transactionID else {
            log("meter", step: step,
                "ignored \(signal.id): transaction \(reading.transactionID) is not the metered transaction \(state.transactionID)", at: now)
            return nil
        }
        log("meter", step: step, reading.summary, at: now)
        if let sequenceNumber = reading.sequenceNumber, let last = state.lastSequenceNumber {
            if sequenceNumber > last + 1 {
                let missing = sequenceNumber - last - 1 == 1 ? "seqNo \(last + 1) is" : "seqNo \(last + 1)...\(sequenceNumber - 1) are"
                log("meter", step: step, "seqNo gap: \(sequenceNumber) after \(last); \(missing) missing (lost or refused on the way); "
                    + "the register is cumulative, so no energy is lost", at: now)
            } else if sequenceNumber <= last {
                log("meter", step: step, "seqNo \(sequenceNumber) arrived after \(last) (out of order)", at: now)
            }
        }
        if let sequenceNumber = reading.sequenceNumber {
            state.lastSequenceNumber = max(state.lastSequenceNumber ?? sequenceNumber, sequenceNumber)
        }
        if let reason = reading.ignoredReason {
            // Taken in for its seqNo only: the flow gets nothing, and its energy stays as it was.
            log("meter", step: step, "\(reason); nothing is delivered to the flow", at: now)
            meter = state
            return nil
        }
        var delivered = signal
        if let energy = reading.energyWh {
            if energy < state.highestWh {
                log("meter", step: step, "reading \(energy) Wh is below \(state.highestWh) Wh already seen (a reordered message or a "
                    + "meter reset); the energy stays at \(state.highestWh) Wh", at: now)
            }
            state.highestWh = max(state.highestWh, energy)
        } else {
            log("meter", step: step, "the transaction ended without an energy sample; the energy stays at \(state.highestWh) Wh", at: now)
        }
        delivered.data[reading.energyField] = .integer(state.highestWh)
        meter = state
        return delivered
    }
}
