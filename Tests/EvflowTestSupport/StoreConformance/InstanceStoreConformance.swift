import FlowEngine
import Foundation
import Synchronization
import Testing

/// The contract every ``InstanceStore`` keeps, as checks any store kind runs (see ``InstanceStoreKind``): the
/// file store today, a PostgreSQL store by adding one kind to the list its test runs over.
///
/// Each check opens fresh storage, uses only the protocol (plus the kind's closures for what only the
/// implementation can do), and removes the storage afterwards. The checks state behaviour callers rely on: the
/// runner (exclusive create, locks, inbox), `evflow list` and recovery (listing, outlines, pending signals), and
/// operators (a damaged record is reported and set aside, never overwritten).
package enum InstanceStoreConformance {
    /// One clause of the contract.
    package struct Check: Sendable, CustomTestStringConvertible {
        package var name: String
        var body: @Sendable (InstanceStoreSubject) throws -> Void

        package var testDescription: String { name }

        /// Runs the clause on new storage of `kind`, removed afterwards.
        package func run(on kind: InstanceStoreKind) throws {
            let subject = try kind.open()
            defer { subject.remove() }
            try body(subject)
        }
    }

    /// Every clause, in the order the protocol declares the operations.
    package static let checks: [Check] = [
        Check(name: "create is exclusive", body: createIsExclusive),
        Check(name: "save and load round-trip every field", body: saveAndLoadRoundTrip),
        Check(name: "an unknown instance is not found", body: unknownInstanceIsNotFound),
        Check(name: "loadOutline equals the outline of load", body: outlineEqualsTheLoadedInstance),
        Check(name: "instanceIDs lists every instance", body: listingNamesEveryInstance),
        Check(name: "instancesWithPendingSignals lists non-empty inboxes", body: pendingSignalsNameNonEmptyInboxes),
        Check(name: "deliver is durable, deduplicated and ordered", body: inboxDeliveries),
        Check(name: "removeFromInbox removes only what it names", body: inboxRemoval),
        Check(name: "a lock excludes every other handle until released", body: lockExclusion),
        Check(name: "definitions are stored by content hash", body: definitionsByContentHash),
        Check(name: "a damaged record is reported and set aside", body: damagedRecordIsSetAside),
        Check(name: "lockHolder names a live holder only while the lock is held", body: lockHolderWhileHeld),
        Check(name: "outlines report each instance's status and wake time as saved", body: outlinesByStatusAndDueTime),
        Check(name: "the meter-binding lock waits for its holder and is independent of the run lock", body: meterBindingLockWaits),
        Check(name: "every handle reads the latest save, whatever it read or wrote before", body: everyHandleReadsTheLatestSave),
        Check(name: "allOutlines equals the outline of every instance as last saved, on every handle", body: allOutlinesFollowEverySave),
        Check(name: "allOutlines keeps every field the listing and the stuck diagnosis read", body: allOutlinesKeepEveryOutlineField),
    ]

    // MARK: create, load, save

    static func createIsExclusive(_ subject: InstanceStoreSubject) throws {
        let store = subject.store
        let first = InstanceSamples.instance("create-1")
        #expect(try store.create(first) == nil, "the first create creates")
        var second = first
        second.variables["other"] = .string("a different start")
        #expect(try store.create(second) == first, "a second create returns the stored instance")
        #expect(try store.load("create-1") == first, "and does not replace it")
        let other = try subject.openAnotherHandle()
        #expect(try other.create(second) == first, "another handle sees it too")
    }

    static func saveAndLoadRoundTrip(_ subject: InstanceStoreSubject) throws {
        let store = subject.store
        var instance = InstanceSamples.instance("save-1")
        _ = try store.create(instance)
        #expect(try store.load("save-1") == instance, "every field and value kind comes back exactly")
        instance.status = .succeeded
        instance.currentStep = nil
        instance.wakeAt = nil
        instance.log("finished", "captured 123.45 NOK", at: InstanceSamples.start.addingTimeInterval(90))
        try store.save(instance)
        #expect(try store.load("save-1") == instance, "save replaces the stored instance")
        #expect(try subject.openAnotherHandle().load("save-1") == instance, "durable for another handle on return")
        try store.save(instance)
        #expect(try store.load("save-1") == instance, "saving the same instance again changes nothing")
    }

    /// A store may keep what it last read or wrote in memory (the file store does, to skip decoding an unchanged
    /// file), but never serve it once another handle (another process, another machine) has saved since: taking
    /// turns under the run lock, each handle must see the other's last save, in full and in outline.
    static func everyHandleReadsTheLatestSave(_ subject: InstanceStoreSubject) throws {
        let store = subject.store
        let other = try subject.openAnotherHandle()
        var instance = InstanceSamples.instance("turns-1")
        _ = try store.create(instance)
        #expect(try other.load("turns-1") == instance)
        for turn in 1...4 {
            let (writer, reader) = turn.isMultiple(of: 2) ? (store, other) : (other, store)
            #expect(try reader.load("turns-1") == instance, "turn \(turn): the reader has the previous version in hand")
            let lock = try #require(try writer.lock("turns-1"))
            instance.variables["turn"] = .integer(Int64(turn))
            instance.log("signal", step: "meter", "meterReading m-\(turn) used", at: InstanceSamples.start.addingTimeInterval(Double(turn)))
            try writer.save(instance)
            lock.release()
            #expect(try reader.load("turns-1") == instance, "turn \(turn): the reader sees the writer's save")
            #expect(try reader.loadOutline("turns-1") == InstanceOutline(instance), "turn \(turn): and so does its outline")
            #expect(try writer.load("turns-1") == instance, "turn \(turn): the writer reads back what it wrote")
        }
    }

    static func unknownInstanceIsNotFound(_ subject: InstanceStoreSubject) throws {
        let store = subject.store
        expectStoreError(.notFound) { try store.load("missing-1") }
        expectStoreError(.notFound) { try store.loadOutline("missing-1") }
    }

    static func outlineEqualsTheLoadedInstance(_ subject: InstanceStoreSubject) throws {
        let store = subject.store
        var unpaid = InstanceSamples.instance("outline-2")
        unpaid.payment = nil
        unpaid.steps = []
        var finished = InstanceSamples.instance("outline-3")
        finished.status = .failed
        finished.currentStep = nil
        for instance in [InstanceSamples.instance("outline-1"), unpaid, finished] {
            _ = try store.create(instance)
            #expect(try store.loadOutline(instance.id) == InstanceOutline(try store.load(instance.id)), "\(instance.id)")
        }
    }

    // MARK: Listing

    static func listingNamesEveryInstance(_ subject: InstanceStoreSubject) throws {
        let store = subject.store
        #expect(try store.instanceIDs().isEmpty, "new storage is empty")
        let ids = ["list-b", "list-a", "list-c"]
        for id in ids { _ = try store.create(InstanceSamples.instance(id)) }
        #expect(try store.instanceIDs().sorted() == ids.sorted())
        #expect(try subject.openAnotherHandle().instanceIDs().sorted() == ids.sorted(), "another handle lists them too")
    }

    static func pendingSignalsNameNonEmptyInboxes(_ subject: InstanceStoreSubject) throws {
        let store = subject.store
        for id in ["due-1", "due-2", "idle-1"] { _ = try store.create(InstanceSamples.instance(id)) }
        #expect(try store.instancesWithPendingSignals().isEmpty)
        _ = try store.deliver(InstanceSamples.signal("s-1"), to: "due-1")
        _ = try store.deliver(InstanceSamples.signal("s-2"), to: "due-2")
        #expect(Set(try store.instancesWithPendingSignals()) == ["due-1", "due-2"])
        try store.removeFromInbox(["s-1"], of: "due-1")
        #expect(try store.instancesWithPendingSignals() == ["due-2"], "an emptied inbox is no longer listed")
    }

    /// What `evflow list`, stuck detection and the worker's recovery read from outlines: every instance, with
    /// its status and wake time as last saved, so "waiting and due at t" and "finished" can be told apart.
    static func outlinesByStatusAndDueTime(_ subject: InstanceStoreSubject) throws {
        let store = subject.store
        let t = InstanceSamples.start
        var due = InstanceSamples.instance("due-at-t")
        due.status = .waiting
        due.wakeAt = t
        var later = InstanceSamples.instance("due-later")
        later.status = .waiting
        later.wakeAt = t.addingTimeInterval(3600)
        var finished = InstanceSamples.instance("finished-1")
        finished.status = .succeeded
        finished.wakeAt = nil
        var running = InstanceSamples.instance("running-1")
        running.status = .running
        for instance in [due, later, finished, running] {
            _ = try store.create(InstanceSamples.instance(instance.id))
            try store.save(instance)
        }
        let outlines = try Dictionary(uniqueKeysWithValues: store.loadOutlines(try store.instanceIDs()).map { ($0.id, try $0.outline.get()) })
        #expect(outlines.count == 4)
        #expect(outlines.filter { $0.value.status == .waiting && ($0.value.wakeAt.map { $0 <= t } ?? false) }.keys.sorted() == ["due-at-t"],
                "due at t: waiting with a wake time at or before t")
        #expect(outlines.filter { $0.value.status.isFinished }.keys.sorted() == ["finished-1"])
        #expect(outlines["due-later"]?.wakeAt == t.addingTimeInterval(3600), "wake times exact")
        #expect(outlines["running-1"]?.status == .running)
        #expect(try subject.openAnotherHandle().loadOutline("due-at-t").status == .waiting, "another handle sees the saved status")
    }

    /// What `evflow list` and start-up read in one call (from an index or columns where a store has them): after
    /// creates, saves, and a record set aside, exactly the outlines ``InstanceStore/loadOutline(_:)`` gives.
    static func allOutlinesFollowEverySave(_ subject: InstanceStoreSubject) throws {
        let store = subject.store
        func expectCurrent(_ store: any InstanceStore, _ comment: Comment, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let all = try store.allOutlines()
            let outlines = try Dictionary(uniqueKeysWithValues: all.map { ($0.id, try $0.outline.get()) })
            #expect(outlines.count == all.count, "one outline per instance: \(comment)", sourceLocation: sourceLocation)
            var expected: [String: InstanceOutline] = [:]
            for id in try store.instanceIDs() { expected[id] = try store.loadOutline(id) }
            #expect(outlines == expected, comment, sourceLocation: sourceLocation)
        }
        try expectCurrent(store, "new storage")
        for id in ["all-1", "all-2", "all-3"] { _ = try store.create(InstanceSamples.instance(id)) }
        try expectCurrent(store, "after creates")
        var moved = InstanceSamples.instance("all-2")
        moved.status = .failed
        moved.currentStep = "capture"
        moved.wakeAt = nil
        moved.updatedAt = InstanceSamples.start.addingTimeInterval(120)
        try store.save(moved)
        try expectCurrent(store, "after a save")
        #expect(try store.allOutlines().first { $0.id == "all-2" }.map { try $0.outline.get().status } == .failed)
        let other = try subject.openAnotherHandle()
        var again = moved
        again.status = .succeeded
        again.currentStep = nil
        try other.save(again)
        try expectCurrent(store, "after a save through another handle")
        _ = try subject.damage("all-3")
        _ = try? store.load("all-3")
        try expectCurrent(store, "after a record was set aside")
        #expect(try store.allOutlines().map(\.id).sorted() == ["all-1", "all-2"])
    }

    // MARK: Inbox

    static func inboxDeliveries(_ subject: InstanceStoreSubject) throws {
        let store = subject.store
        _ = try store.create(InstanceSamples.instance("inbox-1"))
        let t = InstanceSamples.start
        let late = InstanceSamples.signal("m-2", at: t.addingTimeInterval(2))
        let early = InstanceSamples.signal("m-1", at: t.addingTimeInterval(1), data: ["kwh": .integer(5), "cost": .money(Money(minorUnits: 250, currency: "NOK"))])
        #expect(try store.deliver(late, to: "inbox-1"), "a new signal is accepted")
        #expect(try subject.openAnotherHandle().inbox(of: "inbox-1") == [late], "durable before deliver returns")
        #expect(try store.deliver(early, to: "inbox-1"))
        let duplicate = InstanceSamples.signal("m-2", at: t.addingTimeInterval(3), data: ["kwh": .integer(999)])
        #expect(try store.deliver(duplicate, to: "inbox-1") == false, "a repeated signal id is reported as a duplicate")
        #expect(try store.inbox(of: "inbox-1") == [early, late], "oldest first, the original kept, fields and times exact")
        _ = try store.create(InstanceSamples.instance("quiet-1"))
        #expect(try store.inbox(of: "quiet-1").isEmpty, "no signals, an empty inbox")

        // Signals received at the same moment (a flow test's timeline, a burst) come in the order of their ids,
        // whatever the order of delivery: a runner must see the same inbox on every store.
        _ = try store.create(InstanceSamples.instance("ties-1"))
        for id in ["tie-c", "tie-a", "tie-b"] { _ = try store.deliver(InstanceSamples.signal(id, at: t), to: "ties-1") }
        #expect(try store.inbox(of: "ties-1").map(\.id) == ["tie-a", "tie-b", "tie-c"], "ties broken by signal id")

        let error = expectStoreError(.notFound) { try store.deliver(InstanceSamples.signal("lost-1"), to: "no-such-instance") }
        #expect(error?.instanceID == "no-such-instance", "a signal for an instance that does not exist is refused, naming it")
        #expect(try !store.instancesWithPendingSignals().contains("no-such-instance"), "and leaves no inbox behind")
    }

    static func inboxRemoval(_ subject: InstanceStoreSubject) throws {
        let store = subject.store
        _ = try store.create(InstanceSamples.instance("rm-1"))
        _ = try store.create(InstanceSamples.instance("rm-2"))
        for (offset, id) in ["a", "b", "c"].enumerated() {
            _ = try store.deliver(InstanceSamples.signal(id, at: InstanceSamples.start.addingTimeInterval(Double(offset))), to: "rm-1")
        }
        _ = try store.deliver(InstanceSamples.signal("a"), to: "rm-2")
        try store.removeFromInbox(["a", "c", "never-delivered"], of: "rm-1")
        #expect(try store.inbox(of: "rm-1").map(\.id) == ["b"], "only the named signals go; an unknown id is harmless")
        #expect(try store.inbox(of: "rm-2").map(\.id) == ["a"], "other inboxes are untouched")
        try store.removeFromInbox(["b"], of: "rm-1")
        #expect(try store.inbox(of: "rm-1").isEmpty)
        #expect(try store.deliver(InstanceSamples.signal("d"), to: "rm-1"), "the next delivery works")
        #expect(try store.inbox(of: "rm-1").map(\.id) == ["d"])
    }

    // MARK: Locks

    static func lockExclusion(_ subject: InstanceStoreSubject) throws {
        let store = subject.store
        let other = try subject.openAnotherHandle()
        _ = try store.create(InstanceSamples.instance("lock-1"))
        let held = try #require(try store.lock("lock-1"), "a free instance can be locked")
        #expect(try other.lock("lock-1") == nil, "another handle is refused while it is held")
        #expect(try store.lock("lock-1") == nil, "so is a second lock through the same handle")
        let independent = try #require(try other.lock("lock-2"), "other instances are independent")
        independent.release()
        held.release()
        held.release()  // harmless
        let again = try #require(try other.lock("lock-1"), "free for another handle after release")
        #expect(try store.lock("lock-1") == nil)
        again.release()
    }

    static func meterBindingLockWaits(_ subject: InstanceStoreSubject) throws {
        let store = subject.store
        let other = try subject.openAnotherHandle()
        _ = try store.create(InstanceSamples.instance("meter-1"))
        let run = try #require(try store.lock("meter-1"))
        let binding = try store.meterBindingLock("meter-1")  // a running instance does not hold it up
        let acquired = Mutex(false)
        let waiter = Thread {
            guard let lock = try? other.meterBindingLock("meter-1") else { return }
            acquired.withLock { $0 = true }
            lock.release()
        }
        waiter.start()
        // Whatever the machine's speed, the other handle must not get it while it is held.
        Thread.sleep(forTimeInterval: 0.2)
        #expect(!acquired.withLock { $0 }, "another handle waits while the binding lock is held")
        binding.release()
        let deadline = Date().addingTimeInterval(60)
        while !acquired.withLock({ $0 }) && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(acquired.withLock { $0 }, "and gets it once released")
        run.release()
    }

    static func lockHolderWhileHeld(_ subject: InstanceStoreSubject) throws {
        let store = subject.store
        let other = try subject.openAnotherHandle()
        _ = try store.create(InstanceSamples.instance("holder-1"))
        #expect(store.lockHolder("holder-1") == nil, "nobody holds a lock never taken")
        #expect(store.lockHolder("no-such-instance") == nil)
        let held = try #require(try store.lock("holder-1"))
        for handle in [store, other] {
            let holder = try #require(handle.lockHolder("holder-1"), "every handle sees the holder")
            #expect(!holder.isAbandoned, "a live holder is not abandoned: \(holder)")
            if let pid = holder.processID { #expect(pid == ProcessInfo.processInfo.processIdentifier, "the holder is this process") }
        }
        #expect(try other.lock("holder-1") == nil, "probing the holder never takes the lock")
        held.release()
        #expect(store.lockHolder("holder-1") == nil, "nobody after release")
        #expect(other.lockHolder("holder-1") == nil)
    }

    // MARK: Definitions

    static func definitionsByContentHash(_ subject: InstanceStoreSubject) throws {
        let store = subject.store
        let definition = try JSONParser.parse(#"{"name": "ev-charging", "version": 3, "steps": []}"#)
        let bytes = definition.canonicalBytes, hash = definition.contentHash
        #expect(try store.loadDefinition(contentHash: String(repeating: "cd", count: 32)) == nil, "an unknown hash has no definition")
        #expect(try store.loadDefinition(contentHash: hash) == nil)
        try store.saveDefinition(bytes, contentHash: hash)
        try store.saveDefinition(bytes, contentHash: hash)  // idempotent
        #expect(try store.loadDefinition(contentHash: hash) == bytes, "byte for byte")
        #expect(try subject.openAnotherHandle().loadDefinition(contentHash: hash) == bytes, "another handle reads it")
        let other = try JSONParser.parse(#"{"name": "ev-charging", "version": 4, "steps": []}"#)
        expectStoreError(.invalidID) { try store.saveDefinition(other.canonicalBytes, contentHash: hash) }
        #expect(try store.loadDefinition(contentHash: hash) == bytes, "bytes that do not hash to the name are refused, the stored ones kept")
        expectStoreError(.invalidID) { try store.loadDefinition(contentHash: "not-a-hash") }
    }

    // MARK: Damage

    static func damagedRecordIsSetAside(_ subject: InstanceStoreSubject) throws {
        let store = subject.store
        let good = InstanceSamples.instance("good-1")
        _ = try store.create(good)
        _ = try store.create(InstanceSamples.instance("bad-1"))
        _ = try store.create(InstanceSamples.instance("bad-2"))
        let damaged = try subject.damage("bad-1")

        let error = try #require(expectStoreError(.corrupt) { try store.load("bad-1") })
        #expect(error.instanceID == "bad-1", "the error names the instance: \(error)")
        #expect(try subject.setAside("bad-1") == [damaged], "set aside byte for byte")
        #expect(try store.load("good-1") == good, "other records keep loading")
        #expect(try store.instanceIDs().sorted() == ["bad-2", "good-1"], "a record set aside is no longer listed")
        expectStoreError(.notFound) { try store.load("bad-1") }
        #expect(try subject.setAside("bad-1") == [damaged], "reading again never overwrites what was set aside")

        let damagedOutline = try subject.damage("bad-2")
        expectStoreError(.corrupt) { try store.loadOutline("bad-2") }
        #expect(try subject.setAside("bad-2") == [damagedOutline], "loadOutline sets a damaged record aside as load does")

        let records = store.setAsideRecords()
        #expect(records.count == 2, "the store lists both records it set aside: \(records)")
        #expect(records.filter { $0.name.contains("bad-1") }.count == 1 && records.filter { $0.name.contains("bad-2") }.count == 1,
                "each set-aside record names its instance: \(records.map(\.name))")
        #expect(records.allSatisfy { abs($0.setAsideAt.timeIntervalSinceNow) < 600 }, "with when it was set aside")
        #expect(records.map(\.setAsideAt) == records.map(\.setAsideAt).sorted(), "oldest first")
    }
}
