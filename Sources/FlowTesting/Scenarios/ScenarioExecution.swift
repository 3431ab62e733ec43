import EPaymentSimulator
import FlowEngine
import Foundation

/// One run of one scenario on its test bed: set up the provider and station, start the instance, play the
/// timeline on virtual time, let time run until the instance ends (or `runFor` passes), then check expectations.
struct ScenarioExecution {
    let scenario: FlowScenario
    let bed: FlowTestBed

    func run() async -> ScenarioResult {
        var result = ScenarioResult(scenario: scenario)
        for (operation, rule) in scenario.faults { bed.simulator.setFault(rule, for: operation) }
        if scenario.stationFailures > 0 { bed.station.failNext(scenario.stationFailures) }
        let start = bed.now
        do {
            try await bed.start(scenario.flow, id: scenario.instanceID, inputs: scenario.inputs)
            for event in scenario.timeline {
                try await advance(to: start.addingTimeInterval(event.at.seconds))
                await perform(event, &result)
            }
            try await settle(until: start.addingTimeInterval(scenario.runFor.seconds))
        } catch {
            result.failures.append(.init(expectation: "run", expected: "the scenario to run to its end", actual: "\(error)"))
        }
        result.virtualSeconds = bed.now.timeIntervalSince(start)
        check(&result)
        return result
    }

    /// Moves virtual time to `date`, firing every timer on the way.
    private func advance(to date: Date) async throws {
        let milliseconds = Int64((date.timeIntervalSince(bed.now) * 1000).rounded(.up))
        if milliseconds > 0 { try await bed.advance(by: .milliseconds(milliseconds)) } else { await bed.runUntilIdle() }
    }

    /// Lets time run from timer to timer until the instance has ended, nothing is scheduled, or `end` is reached.
    private func settle(until end: Date) async throws {
        for _ in 0..<100_000 {
            guard !(try bed.runner.outline(scenario.instanceID).status.isFinished), let next = bed.runner.nextWake, next <= end else { return }
            // At least a millisecond per turn, so an instance that stays due cannot stall the loop.
            try await advance(to: max(next, bed.now.addingTimeInterval(0.001)))
        }
    }

    private func perform(_ event: FlowScenario.Event, _ result: inout ScenarioResult) async {
        switch event.action {
        case .advance:
            return
        case .signal(let name, let data, let id):
            do {
                let accepted = try await bed.signal(scenario.instanceID, name, data, signalID: id)
                if !accepted { result.notes.append("\(event.path) at \(event.at): signal \(name) \(id ?? "") was a duplicate and was ignored") }
            } catch let error as FlowError where error.code == .finished {
                result.notes.append("\(event.path) at \(event.at): signal \(name) refused: the instance had already finished")
            } catch {
                result.failures.append(.init(expectation: event.path, expected: "signal \(name) at \(event.at) to be accepted", actual: "\(error)"))
            }
        case .meterValues(let json):
            do {
                let receipt = try await bed.meterValues(scenario.instanceID, json)
                if !receipt.accepted { result.notes.append("\(event.path) at \(event.at): OCPP message \(receipt.signalID) was a duplicate and was ignored") }
            } catch let error as FlowError where error.code == .finished {
                result.notes.append("\(event.path) at \(event.at): OCPP message refused: the instance had already finished")
            } catch {
                result.failures.append(.init(expectation: event.path, expected: "the OCPP message at \(event.at) to be accepted", actual: "\(error)"))
            }
        case .customer(let action):
            do {
                switch action {
                case .approve: try await bed.approve(scenario.instanceID)
                case .reject: try await bed.reject(scenario.instanceID)
                }
            } catch {
                result.failures.append(.init(expectation: event.path, expected: "the customer can \(action.rawValue) at \(event.at)", actual: "\(error)"))
            }
        case .fault(let operation, let rule):
            bed.simulator.setFault(rule, for: operation)
        case .stationFails(let count):
            bed.station.failNext(count)
        }
    }
}

extension FlowDuration {
    var seconds: TimeInterval { Double(milliseconds) / 1000 }
}
