import FlowEngine
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// What one `instances` row holds besides the document: the indexed columns listings and claims read.
struct InstanceRow {
    var id: String
    var flow: String
    var flowVersion: Int
    var status: String
    var currentStep: String?
    var wakeAt: Date?
    var paymentReference: String?
    var createdAt: Date
    var updatedAt: Date
    /// The JSON document the file store writes, without its indentation and key order (`jsonb` keeps neither).
    var state: String

    init(_ instance: FlowInstance, address: PostgresAddress) throws(StoreError) {
        id = instance.id
        flow = instance.flow.name
        flowVersion = instance.flow.version
        status = instance.status.rawValue
        currentStep = instance.currentStep
        wakeAt = instance.wakeAt
        paymentReference = instance.payment?.reference
        createdAt = instance.createdAt
        updatedAt = instance.updatedAt
        do {
            state = String(decoding: try StateFileCoding.compactEncoder().encode(instance), as: UTF8.self)
        } catch {
            throw StoreError(.io, instanceID: instance.id, detail: "could not encode the state as JSON, nothing was written: \(error)")
        }
    }
}
