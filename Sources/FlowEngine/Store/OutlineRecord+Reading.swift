import Foundation

/// Reading an index line's JSON without `JSONDecoder` for the shapes the index writes, which is every line but
/// rare ones (a string with an escape, a field added by a newer evflow).
///
/// The rule that keeps this safe: every field is read exactly as its `Decodable` reads it (the same required keys,
/// the same range checks on money and counts, the same dates), an unknown key or any other surprise is
/// ``JSONByteReader/Rejected``, and the caller then decodes the line with `JSONDecoder`. Nested types that are rare
/// in the index and have rules of their own (a payment intent, a manual completion, an operator refund) are
/// handed to `JSONDecoder` whole. `OutlineRecordReadingTests` checks both paths agree on a record with every field.
extension OutlineRecord {
    /// The record in `range` of `bytes`, or `nil` when the line is not one this reader takes.
    /// - Parameter decoder: ``StateFileCoding/decoder()``, for the nested types read by `JSONDecoder`.
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, using decoder: JSONDecoder) -> OutlineRecord? {
        var reader = JSONByteReader(bytes, range: range)
        do {
            let record = try OutlineRecord(reading: &reader, using: decoder)
            try reader.finish()
            return record
        } catch {
            return nil
        }
    }

    private init(reading reader: inout JSONByteReader, using decoder: JSONDecoder) throws(JSONByteReader.Rejected) {
        var id: String?, flow: FlowInstance.PinnedDefinition?, status: InstanceStatus?, createdAt: Date?, updatedAt: Date?
        var currentStep: String?, wakeAt: Date?, payment: PaymentSummary?, failure: FlowInstance.Failure?, lastStep: StepRecord?
        var seenSignalIDs: [String]?, unconfirmedReservation: String?, unsettledOperatorRefund: OperatorRefund?, file: FileStamp?
        try reader.object { reader, key throws(JSONByteReader.Rejected) in
            switch key {
            case "id": id = try reader.string()
            case "flow": flow = try .init(reading: &reader)
            case "status": status = InstanceStatus(rawValue: try reader.string())
            case "createdAt": createdAt = try reader.date()
            case "updatedAt": updatedAt = try reader.date()
            case "currentStep": currentStep = try reader.null() ? nil : reader.string()
            case "wakeAt": wakeAt = try reader.null() ? nil : reader.date()
            case "payment": payment = try reader.null() ? nil : .init(reading: &reader)
            case "failure": failure = try reader.null() ? nil : .init(reading: &reader)
            case "lastStep": lastStep = try reader.null() ? nil : .init(reading: &reader, using: decoder)
            case "seenSignalIDs": seenSignalIDs = try reader.strings()
            case "unconfirmedReservation": unconfirmedReservation = try reader.null() ? nil : reader.string()
            case "unsettledOperatorRefund":
                unsettledOperatorRefund = try reader.null() ? nil : Self.decode(OperatorRefund.self, reader.containerBytes(), decoder)
            case "file": file = try .init(reading: &reader)
            default: throw JSONByteReader.Rejected()
            }
        }
        guard let id, let flow, let status, let createdAt, let updatedAt, let seenSignalIDs, let file else { throw JSONByteReader.Rejected() }
        self.id = id
        self.flow = flow
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.currentStep = currentStep
        self.wakeAt = wakeAt
        self.payment = payment
        self.failure = failure
        self.lastStep = lastStep
        self.seenSignalIDs = seenSignalIDs
        self.unconfirmedReservation = unconfirmedReservation
        self.unsettledOperatorRefund = unsettledOperatorRefund
        self.file = file
    }

    /// A nested value read by `JSONDecoder`, as the whole line would be.
    static func decode<T: Decodable>(_ type: T.Type, _ bytes: UnsafeBufferPointer<UInt8>, _ decoder: JSONDecoder) throws(JSONByteReader.Rejected) -> T {
        do {
            return try decoder.decode(type, from: Data(bytes))
        } catch {
            throw JSONByteReader.Rejected()
        }
    }
}

extension FlowInstance.PinnedDefinition {
    fileprivate init(reading reader: inout JSONByteReader) throws(JSONByteReader.Rejected) {
        var name: String?, version: Int?, contentHash: String?
        try reader.object { reader, key throws(JSONByteReader.Rejected) in
            switch key {
            case "name": name = try reader.string()
            case "version": version = try reader.integer(in: Int.min...Int.max)
            case "contentHash": contentHash = try reader.string()
            default: throw JSONByteReader.Rejected()
            }
        }
        guard let name, let version, let contentHash else { throw JSONByteReader.Rejected() }
        self.init(name: name, version: version, contentHash: contentHash)
    }
}

extension FlowInstance.Failure {
    fileprivate init(reading reader: inout JSONByteReader) throws(JSONByteReader.Rejected) {
        var code: String?, message: String?, step: String?
        try reader.object { reader, key throws(JSONByteReader.Rejected) in
            switch key {
            case "code": code = try reader.string()
            case "message": message = try reader.string()
            case "step": step = try reader.null() ? nil : reader.string()
            default: throw JSONByteReader.Rejected()
            }
        }
        guard let code, let message else { throw JSONByteReader.Rejected() }
        self.init(code: FailureCode(rawValue: code), message: message, step: step)
    }
}

extension PaymentSummary {
    fileprivate init(reading reader: inout JSONByteReader) throws(JSONByteReader.Rejected) {
        var reference: String?, state: String?, currency: String?, authorizedAt: Date?
        var reserved: Int64?, authorized: Int64?, captured: Int64?, cancelled: Int64?, refunded: Int64?
        try reader.object { reader, key throws(JSONByteReader.Rejected) in
            // Amounts are refused below 0, as the decoder refuses them.
            func amount() throws(JSONByteReader.Rejected) -> Int64 {
                let value = try reader.integer()
                guard value >= 0 else { throw JSONByteReader.Rejected() }
                return value
            }
            switch key {
            case "reference": reference = try reader.string()
            case "state": state = try reader.string()
            case "currency": currency = try reader.string()
            case "reserved": reserved = try amount()
            case "authorized": authorized = try amount()
            case "captured": captured = try amount()
            case "cancelled": cancelled = try amount()
            case "refunded": refunded = try amount()
            case "authorizedAt": authorizedAt = try reader.null() ? nil : reader.date()
            default: throw JSONByteReader.Rejected()
            }
        }
        guard let reference, let state, let currency, let reserved, let authorized, let captured, let cancelled, let refunded else {
            throw JSONByteReader.Rejected()
        }
        self.init(reference: reference, state: state, currency: currency, reserved: reserved)
        self.authorized = authorized
        self.captured = captured
        self.cancelled = cancelled
        self.refunded = refunded
        self.authorizedAt = authorizedAt
    }
}

extension StepRecord {
    fileprivate init(reading reader: inout JSONByteReader, using decoder: JSONDecoder) throws(JSONByteReader.Rejected) {
        var step: String?, visit: Int?, enteredAt: Date?, attempts: Int?
        var record = StepRecord(step: "", visit: 0, enteredAt: .distantPast)
        try reader.object { reader, key throws(JSONByteReader.Rejected) in
            // Counts as the decoder bounds them.
            let counts = 0...Int(Int32.max)
            switch key {
            case "step": step = try reader.string()
            case "visit": visit = try reader.integer(in: counts)
            case "enteredAt": enteredAt = try reader.date()
            case "attempts": attempts = try reader.integer(in: counts)
            case "idempotencyKey": record.idempotencyKey = try reader.null() ? nil : reader.string()
            case "intent": record.intent = try reader.null() ? nil : OutlineRecord.decode(PaymentIntent.self, reader.containerBytes(), decoder)
            case "completedAt": record.completedAt = try reader.null() ? nil : reader.date()
            case "lastError": record.lastError = try reader.null() ? nil : reader.string()
            case "nextAttemptAt": record.nextAttemptAt = try reader.null() ? nil : reader.date()
            case "unconfirmedSince": record.unconfirmedSince = try reader.null() ? nil : reader.date()
            case "noEffectConfirmedAt": record.noEffectConfirmedAt = try reader.null() ? nil : reader.date()
            case "operatorOverride": record.operatorOverride = try reader.null() ? nil : reader.string()
            case "lastAttemptAt": record.lastAttemptAt = try reader.null() ? nil : reader.date()
            case "lastUnansweredAt": record.lastUnansweredAt = try reader.null() ? nil : reader.date()
            case "manualCompletion":
                record.manualCompletion = try reader.null() ? nil : OutlineRecord.decode(ManualCompletion.self, reader.containerBytes(), decoder)
            default: throw JSONByteReader.Rejected()
            }
        }
        guard let step, let visit, let enteredAt, let attempts else { throw JSONByteReader.Rejected() }
        record.step = step
        record.visit = visit
        record.enteredAt = enteredAt
        record.attempts = attempts
        self = record
    }
}

extension FileStamp {
    fileprivate init(reading reader: inout JSONByteReader) throws(JSONByteReader.Rejected) {
        var inode: Int64?, size: Int64?, modified: Int64?
        try reader.object { reader, key throws(JSONByteReader.Rejected) in
            switch key {
            // An inode above Int64.max is rejected here and read by the decoder.
            case "inode": inode = try reader.integer()
            case "size": size = try reader.integer()
            case "modified": modified = try reader.integer()
            default: throw JSONByteReader.Rejected()
            }
        }
        guard let inode, inode >= 0, let size, let modified else { throw JSONByteReader.Rejected() }
        self.init(inode: UInt64(inode), size: size, modified: modified)
    }
}
