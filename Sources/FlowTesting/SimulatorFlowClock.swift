import EPaymentSimulator
import FlowEngine
import Foundation

/// The engine's clock reading the simulator's manual clock, so the flow and the payment provider share one
/// virtual time: when a test moves time, payments expire and timers fire together.
struct SimulatorFlowClock: FlowClock {
    let clock: SimulatorClock
    var now: Date { clock.now }
}
