import FlowEngine
import Foundation

extension RunnerEnvironment {
    static let captureWindowsVariable = "EVFLOW_CAPTURE_WINDOWS"

    /// The provider's capture windows, with the deployment's `EVFLOW_CAPTURE_WINDOWS` (`NOK=7d,DKK=7d`) over them.
    static func captureWindows(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> CaptureWindows {
        guard let text = environment[captureWindowsVariable], !text.isEmpty else { return .provider }
        do {
            return try CaptureWindows.parse(text, variable: captureWindowsVariable)
        } catch let error as FlowError {
            throw CommandFailure(.usage, error.detail)
        }
    }
}
