import Foundation

/// OCPP meter values in, as stations send them.
extension FlowRunner {
    /// Takes an OCPP message as a station backend received it (an OCPP 1.6 `MeterValues` or `StopTransaction`, or
    /// an OCPP 2.0.1 `TransactionEvent` request, bare or in its OCPP-J CALL frame) and stores the reading it
    /// carries as the flow's signal, durably, before returning.
    ///
    /// The reading is the cumulative `Energy.Active.Import.Register` total, converted exactly to whole Wh (a
    /// fraction of a Wh is rounded down and the timeline says so). The flow's definition says which signals it
    /// becomes (`"meterValues"`, see ``MeterValuesMapping``): the end of the transaction (1.6 `Transaction.End` or
    /// `StopTransaction` at its `meterStop`, 2.0.1 `eventType: Ended`) becomes its `ended` signal. The signal id
    /// comes from the transaction and `seqNo` (2.0.1), the sample's time (1.6) or `stop`, so forwarding the same
    /// message twice changes nothing. A 2.0.1 `Started`/`Updated` event without an energy sample is stored too,
    /// for its `seqNo`, and answered with ``MeterValuesReceipt/ignored`` (no signal for the flow). The first message
    /// binds the instance to its transaction. A reading below one already taken, or a `seqNo` gap, is noted in
    /// the instance's timeline when the instance takes the signal in, and the energy never goes down.
    ///
    /// ```swift
    /// let receipt = try runner.meterValues(instanceID: "session-4711", json: transactionEventJSON)
    /// print(receipt.signal, receipt.energyWh ?? 0, receipt.accepted)
    /// ```
    /// - Throws: ``MeterValuesError`` naming the field (JSON path) when the message cannot be billed from
    ///   (malformed, no energy sample, unknown unit, another transaction); ``FlowError`` when the instance is
    ///   unknown or finished, or its flow declares no `meterValues` mapping (``FlowError/Code/unknownSignal``).
    @discardableResult
    public func meterValues(instanceID id: String, json: String) throws -> MeterValuesReceipt {
        let instance = try self.instance(id)
        var reading: MeterReading
        do {
            reading = try MeterValuesMessage.reading(fromJSON: json)
        } catch {
            var refused = error
            refused.instanceID = id
            throw refused
        }
        let definition = try catalog.definition(for: instance.flow)
        guard let mapping = definition.meterValues else {
            throw FlowError(.unknownSignal, flow: instance.flow.name, instanceID: id, detail:
                "flow \(instance.flow.name) declares no \"meterValues\" mapping, so it takes no OCPP meter values; "
                    + "add one (docs/flows.md) or send its signals")
        }
        reading.energyField = mapping.energyField
        let name = mapping.signal(for: reading)
        var receipt = MeterValuesReceipt(
            instance: id, signal: name, signalID: reading.signalID, accepted: false, ocppVersion: reading.ocppVersion,
            transactionID: reading.transactionID, sequenceNumber: reading.sequenceNumber, energyWh: reading.energyWh,
            exactWattHours: reading.exactWattHours, ended: reading.ended)
        receipt.ignored = reading.ignoredReason
        if instance.seenSignalIDs.contains(reading.signalID) { return receipt }
        // An instance's transaction never changes once bound, so a bound one is checked as it was read. Until then,
        // the check and the delivery happen under the meter-binding lock, one message at a time: of two first
        // messages for different transactions, the second sees the first in the inbox and is refused, rather than
        // both being answered as accepted and the instance dropping one of them later.
        if let bound = instance.meter?.transactionID {
            try checkTransaction(of: reading, boundTo: bound, instanceID: id)
            return try deliverReading(reading, as: name, mapping: mapping, receipt: receipt)
        }
        let bindingLock = try store.meterBindingLock(id)
        defer { bindingLock.release() }
        if let bound = try boundTransaction(of: id) {
            try checkTransaction(of: reading, boundTo: bound, instanceID: id)
        }
        return try deliverReading(reading, as: name, mapping: mapping, receipt: receipt)
    }

    /// Stores the reading as the flow's signal (a message without a reading for the flow too, so that the instance
    /// takes its seqNo in, under its lock and in inbox order) and says in the receipt what became of it.
    private func deliverReading(_ reading: MeterReading, as name: String, mapping: MeterValuesMapping, receipt: MeterValuesReceipt) throws -> MeterValuesReceipt {
        var receipt = receipt
        let stored = try signal(instanceID: receipt.instance, name: name, data: [mapping.energyField: .integer(reading.energyWh ?? 0)],
                                signalID: reading.signalID, meter: reading)
        receipt.accepted = stored && reading.ignoredReason == nil
        return receipt
    }

    private func checkTransaction(of reading: MeterReading, boundTo bound: String, instanceID id: String) throws(MeterValuesError) {
        guard bound != reading.transactionID else { return }
        throw MeterValuesError(.transactionMismatch, field: reading.transactionPath,
            "transaction \(InstanceID.printable(reading.transactionID)) is not this session's: its first meter value bound it to "
                + "transaction \(bound); send it to the instance of that transaction",
            instanceID: id)
    }

    /// The transaction the instance meters, read under the meter-binding lock: one in its inbox, or the one it
    /// took in. The inbox is read first: the runner removes an absorbed signal only after saving the instance that
    /// took it in, so a message stored before is found in one or the other.
    private func boundTransaction(of id: String) throws -> String? {
        // A damaged signal file is set aside by the first read, which then fails; the second read has the rest.
        let waiting = try (try? store.inbox(of: id)) ?? store.inbox(of: id)
        if let bound = waiting.lazy.compactMap(\.meter?.transactionID).first { return bound }
        let instance = try self.instance(id)
        return instance.meter?.transactionID ?? instance.pendingSignals.lazy.compactMap(\.meter?.transactionID).first
    }
}
