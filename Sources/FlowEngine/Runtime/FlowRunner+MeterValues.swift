import Foundation

/// OCPP meter values in, as stations send them.
extension FlowRunner {
    /// Takes an OCPP message as a station backend received it (an OCPP 1.6 `MeterValues` or an OCPP 2.0.1
    /// `TransactionEvent` request, bare or in its OCPP-J CALL frame) and stores the reading it carries as the
    /// flow's signal, durably, before returning.
    ///
    /// The reading is the cumulative `Energy.Active.Import.Register` total, converted exactly to whole Wh (a
    /// fraction of a Wh is rounded down and the timeline says so). The flow's definition says which signals it
    /// becomes (`"meterValues"`, see ``MeterValuesMapping``): the end of the transaction (1.6 `Transaction.End`,
    /// 2.0.1 `eventType: Ended`) becomes its `ended` signal. The signal id comes from the transaction and `seqNo`
    /// (2.0.1) or the sample's time (1.6), so forwarding the same message twice changes nothing. The first message
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
        if instance.seenSignalIDs.contains(reading.signalID) { return receipt }
        if let bound = boundTransaction(of: instance), bound != reading.transactionID {
            throw MeterValuesError(.transactionMismatch, field: reading.transactionPath,
                "transaction \(InstanceID.printable(reading.transactionID)) is not this session's: its first meter value bound it to "
                    + "transaction \(bound); send it to the instance of that transaction",
                instanceID: id)
        }
        receipt.accepted = try signal(instanceID: id, name: name, data: [mapping.energyField: .integer(reading.energyWh ?? 0)],
                                      signalID: reading.signalID, meter: reading)
        return receipt
    }

    /// The transaction the instance meters: bound by the first meter value it took in, or one still in its inbox.
    private func boundTransaction(of instance: FlowInstance) -> String? {
        if let bound = instance.meter?.transactionID { return bound }
        let waiting = instance.pendingSignals + ((try? store.inbox(of: instance.id)) ?? [])
        return waiting.lazy.compactMap(\.meter?.transactionID).first
    }
}
