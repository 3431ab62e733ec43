import FlowEngine
import Foundation
import Testing

extension InstanceStoreConformance {
    /// A store that answers ``InstanceStore/allOutlines()`` from something other than the whole document (an index,
    /// a projection of columns) must still give every field ``InstanceOutline`` has, at each stage the stuck
    /// diagnosis tells apart: a payment recorded, a reserve call with no known outcome and no payment (only earlier
    /// step records say so), one whose absence was confirmed, an operator refund without an outcome, no steps at all.
    static func allOutlinesKeepEveryOutlineField(_ subject: InstanceStoreSubject) throws {
        let store = subject.store
        let t = InstanceSamples.start
        let nok = { (minor: Int64) in Money(minorUnits: minor, currency: "NOK") }
        var reserve = StepRecord(step: "reserve", visit: 1, enteredAt: t)
        reserve.intent = .reserve(ReserveIntent(amount: nok(50_000), reference: "evflow-unknown-1"))
        reserve.idempotencyKey = "key-unknown-1"
        var samples = [InstanceSamples.instance("paid-1")]

        var unknown = InstanceSamples.instance("unknown-1")
        unknown.payment = nil
        unknown.status = .failed
        unknown.currentStep = "fail"
        unknown.steps = [reserve, StepRecord(step: "notify", visit: 1, enteredAt: t.addingTimeInterval(1)),
                         StepRecord(step: "fail", visit: 1, enteredAt: t.addingTimeInterval(2))]
        samples.append(unknown)

        var absent = unknown
        absent.id = "absent-1"
        absent.steps[0].noEffectConfirmedAt = t.addingTimeInterval(3)
        samples.append(absent)

        var calling = unknown
        calling.id = "calling-1"
        calling.status = .running
        calling.currentStep = "reserve"
        calling.failure = nil
        calling.steps = [reserve]
        samples.append(calling)

        var refunding = InstanceSamples.instance("refunding-1")
        var settled = OperatorRefund(number: 1, instance: "refunding-1", amount: 100, currency: "NOK", wholeRemainder: false, reason: "meter fault", at: t)
        settled.confirmedAt = t.addingTimeInterval(5)
        var unsettled = OperatorRefund(number: 2, instance: "refunding-1", amount: 200, currency: "NOK", wholeRemainder: true, reason: "goodwill", at: t.addingTimeInterval(10))
        unsettled.attempts = 1
        unsettled.lastError = "HTTP 503 from ePayment"
        refunding.refunds = [settled, unsettled]
        samples.append(refunding)

        var bare = InstanceSamples.instance("bare-1")
        bare.payment = nil
        bare.failure = nil
        bare.steps = []
        bare.seenSignalIDs = []
        bare.wakeAt = nil
        bare.currentStep = nil
        samples.append(bare)

        for sample in samples {
            _ = try store.create(InstanceSamples.instance(sample.id))
            try store.save(sample)
        }
        for handle in [store, try subject.openAnotherHandle()] {
            let listed = try Dictionary(uniqueKeysWithValues: handle.allOutlines().map { ($0.id, try $0.outline.get()) })
            #expect(listed.keys.sorted() == samples.map(\.id).sorted())
            for sample in samples {
                #expect(listed[sample.id] == InstanceOutline(sample), "\(sample.id): the outline of the instance as saved")
                #expect(listed[sample.id] == (try handle.loadOutline(sample.id)), "\(sample.id): as loadOutline reads it")
            }
            #expect(listed["unknown-1"]?.unconfirmedReservation == "evflow-unknown-1", "an earlier reserve intent with no outcome and no payment")
            #expect(listed["absent-1"]?.unconfirmedReservation == nil, "its absence confirmed")
            #expect(listed["calling-1"]?.currentRecord?.intentReference == "evflow-unknown-1", "the current record, in progress")
            #expect(listed["paid-1"]?.unconfirmedReservation == nil && listed["paid-1"]?.lastStep?.step == "capture")
            #expect(listed["refunding-1"]?.unsettledOperatorRefund?.number == 2)
            #expect(listed["bare-1"]?.lastStep == nil && listed["bare-1"]?.payment == nil)
            #expect(listed["paid-1"]?.seenSignalIDs == ["m-0", "m-1"])
        }
    }
}
