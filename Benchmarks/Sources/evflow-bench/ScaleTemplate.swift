import Foundation

/// One real `ev-charging` session parked at `meter`, made by the release binaries, and the recipe to clone its
/// instance file under another id.
struct ScaleTemplate {
    /// The pinned definitions of the template's state folder, by file name.
    let definitions: [(name: String, bytes: [UInt8])]
    /// When the template's only timer (the session deadline) fires.
    let wakeAt: Date
    /// The instance file cut at every id-derived text: literal bytes, or the index of a substitution.
    private let pieces: [Piece]
    /// The (step, visit) of each idempotency key, in substitution order after the id.
    private let keyedVisits: [(step: String, visit: Int)]

    private enum Piece {
        case literal([UInt8])
        case substitution(Int)
    }

    /// The template's instance file with `id` in place of the template's id and its idempotency keys
    /// recomputed for `id`.
    func instance(id: String) -> [UInt8] {
        let values = [Array(id.utf8)] + keyedVisits.map {
            Array(ScaleSHA256.idempotencyKey(instance: id, step: $0.step, visit: $0.visit).utf8)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8192)
        for piece in pieces {
            switch piece {
            case .literal(let literal): bytes += literal
            case .substitution(let index): bytes += values[index]
            }
        }
        return bytes
    }

    /// Reads the template under `tools.workDirectory/template`, running a session to make it when missing.
    static func prepare(tools: ScaleTools, regenerate: Bool, log: (String) -> Void) throws -> ScaleTemplate {
        let state = tools.workDirectory.appendingPathComponent("template")
        if !regenerate, let template = try? load(state), template.wakeAt > Date().addingTimeInterval(30 * 86_400) {
            return template
        }
        try? FileManager.default.removeItem(at: state)
        log("making a template: one ev-charging session against epayment-sim, parked at meter (about 6 s)")
        let (sim, baseURL) = try tools.startSimulator()
        defer { sim.stop() }
        let environment = ScaleTools.paymentEnvironment(baseURL: baseURL)
        let common = ["--state-dir", state.path, "--flows-dir", tools.flows]
        let input = #"{"phoneNumber": "4791234567", "pricePerKWh": {"value": 399, "currency": "NOK"}, "maxSessionDuration": "8760h"}"#
        let started = try ScaleProcess.run(tools.evflow, ["start", "ev-charging", "--id", templateID, "--input", input] + common, environment: environment)
        guard started.status == 0 else { throw BenchError("evflow start failed (\(started.status)): \(started.errors)") }
        // The worker polls the payment 5 s after creating it (the definition's `firstAfter`), then parks at meter.
        let worker = try ScaleProcess(tools.evflow, ["run"] + common, environment: environment)
        _ = try worker.waitForLine(containing: "waiting at meter", timeout: .seconds(60))
        let status = worker.stop()
        guard status == 0 else { throw BenchError("evflow run exited with \(status) after SIGTERM:\n\(worker.errors.tail())") }
        return try load(state)
    }

    private static var templateID: String { ScaleFixture.templateID }

    private static func load(_ state: URL) throws -> ScaleTemplate {
        let path = state.appendingPathComponent("instances/\(templateID).json")
        guard let data = FileManager.default.contents(atPath: path.path) else { throw BenchError("no template at \(path.path)") }
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw BenchError("\(path.path) is not an object") }
        guard object["status"] as? String == "waiting", object["currentStep"] as? String == "meter" else {
            throw BenchError("the template \(path.path) is not waiting at meter: \(object["status"] ?? "?") at \(object["currentStep"] ?? "?")")
        }
        guard let wakeText = object["wakeAt"] as? String, let wakeAt = parseDate(wakeText) else {
            throw BenchError("the template \(path.path) has no readable wakeAt")
        }
        var keyedVisits: [(step: String, visit: Int)] = []
        var tokens: [[UInt8]] = [Array(templateID.utf8)]
        for record in object["steps"] as? [[String: Any]] ?? [] {
            guard let key = record["idempotencyKey"] as? String, let step = record["step"] as? String, let visit = record["visit"] as? Int else { continue }
            // The clones' keys are computed with our copy of the engine's derivation; refuse to clone if it differs.
            guard ScaleSHA256.idempotencyKey(instance: templateID, step: step, visit: visit) == key else {
                throw BenchError("the engine's idempotency key for \(step)#\(visit) is \(key), not what ScaleSHA256 derives: update the fixture generator")
            }
            keyedVisits.append((step, visit))
            tokens.append(Array(key.utf8))
        }
        let definitionsDirectory = state.appendingPathComponent("definitions")
        let names = try FileManager.default.contentsOfDirectory(atPath: definitionsDirectory.path).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
        let definitions = try names.map { name in
            guard let bytes = FileManager.default.contents(atPath: definitionsDirectory.appendingPathComponent(name).path) else {
                throw BenchError("cannot read the pinned definition \(name)")
            }
            return (name: name, bytes: [UInt8](bytes))
        }
        return ScaleTemplate(definitions: definitions, wakeAt: wakeAt, pieces: cut([UInt8](data), at: tokens), keyedVisits: keyedVisits)
    }

    /// Splits `bytes` at every occurrence of any token (the first listed wins where two start at one place).
    private static func cut(_ bytes: [UInt8], at tokens: [[UInt8]]) -> [Piece] {
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        var index = 0
        scan: while index < bytes.count {
            for (number, token) in tokens.enumerated() where bytes.count - index >= token.count {
                if bytes[index..<index + token.count].elementsEqual(token) {
                    if !literal.isEmpty { pieces.append(.literal(literal)); literal = [] }
                    pieces.append(.substitution(number))
                    index += token.count
                    continue scan
                }
            }
            literal.append(bytes[index])
            index += 1
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        return pieces
    }

    private static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        // More than three fractional digits: the seconds are enough here.
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: String(text.prefix(19)) + "Z")
    }
}
