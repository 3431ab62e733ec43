/// How OCPP meter values sent to an instance (`POST /v1/instances/{id}/meter-values`, `evflow meter-values`,
/// ``FlowRunner/meterValues(instanceID:json:)``) become the flow's signals: the definition's top-level
/// `"meterValues": { "reading": "meterReading", "ended": "sessionEnded", "energyField": "energyWh" }`.
///
/// The loader checks that both signals exist and declare `energyField` as an integer (whole Wh) and no other
/// field, so any flow can take station-native meter input without a translation layer of its own.
package struct MeterValuesMapping: Sendable, Equatable {
    /// The signal a reading during the transaction becomes.
    package var reading: String
    /// The signal the end of the transaction becomes; without it, the last reading arrives as a `reading` too.
    package var ended: String?
    /// The integer field, in both signals, that carries the cumulative energy in Wh.
    package var energyField: String

    /// The signal a reading becomes.
    package func signal(for reading: MeterReading) -> String {
        reading.ended ? (ended ?? self.reading) : self.reading
    }
}
