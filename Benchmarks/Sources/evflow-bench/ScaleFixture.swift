import Foundation

/// A state folder of `count` parked `ev-charging` sessions (waiting at `meter` for signals, payment AUTHORIZED),
/// made from one real instance and reused between runs.
///
/// Driving 100,000 sessions through the simulator would take hours, so one session is run for real (`evflow
/// start` + `evflow run` against `epayment-sim` with auto-approve) and its instance file is cloned with the id
/// and everything derived from it substituted: the payment reference `ev-<id>`, the payment description and
/// every idempotency key (recomputed, see ``ScaleSHA256``). The pinned definition is copied as is. The template
/// is started with `maxSessionDuration` 8760h, so its only timer is a year away and a `serve` on the folder
/// changes nothing in it: the folder can be reused until its timers come near (see ``isReusable``).
struct ScaleFixture {
    /// Bump when the clone format changes; folders of another version are generated again.
    static let generatorVersion = 1
    static let templateID = "tmpl-scale-0"

    /// The state folder (`--state-dir`).
    let directory: URL
    let count: Int

    /// The id of clone `index`: `park-000000` ...
    static func id(_ index: Int) -> String { "park-" + String(format: "%06d", index) }

    /// The folder for `count` instances under `tools.workDirectory`, generated when missing, of another
    /// generator version, or too close to its timers.
    static func prepare(count: Int, tools: ScaleTools, regenerate: Bool, log: (String) -> Void) throws -> ScaleFixture {
        let directory = tools.workDirectory.appendingPathComponent("parked-\(count)")
        let marker = tools.workDirectory.appendingPathComponent("parked-\(count).generator.json")
        let fixture = ScaleFixture(directory: directory, count: count)
        if !regenerate, isReusable(marker: marker, count: count), fixture.looksValid(tools) {
            log("reusing \(directory.path) (\(count) parked instances, generator v\(generatorVersion))")
            return fixture
        }
        let template = try ScaleTemplate.prepare(tools: tools, regenerate: regenerate, log: log)
        let start = ContinuousClock.now
        try fixture.generate(from: template)
        guard fixture.looksValid(tools) else {
            throw BenchError("the generated folder \(directory.path) does not read back: `evflow show \(id(0))` failed (see above)")
        }
        let markerObject: [String: Any] = ["generator": generatorVersion, "count": count, "wakeAt": template.wakeAt.timeIntervalSince1970]
        try JSONSerialization.data(withJSONObject: markerObject).write(to: marker, options: .atomic)
        log("generated \(count) parked instances in \(String(format: "%.1f", (ContinuousClock.now - start).scaleSeconds)) s: \(directory.path)")
        return fixture
    }

    /// Whether the marker says the folder was made by this generator for this count, and its timers are more
    /// than a day away (a due timer would make `serve` run the sessions and change the folder).
    private static func isReusable(marker: URL, count: Int) -> Bool {
        guard let data = try? Data(contentsOf: marker),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              object["generator"] as? Int == generatorVersion, object["count"] as? Int == count,
              let wakeAt = object["wakeAt"] as? Double else { return false }
        return Date(timeIntervalSince1970: wakeAt) > Date().addingTimeInterval(86_400)
    }

    /// `evflow show` reads one clone back as a waiting session with its own payment reference.
    private func looksValid(_ tools: ScaleTools) -> Bool {
        let probe = Self.id(count / 2)
        guard let shown = try? ScaleProcess.run(tools.evflow, ["show", probe, "--state-dir", directory.path, "--flows-dir", tools.flows]) else {
            return false
        }
        let text = String(decoding: shown.output, as: UTF8.self)
        return shown.status == 0 && text.contains("waiting at meter") && text.contains("ev-\(probe)")
    }

    /// Writes the folder next to its final place, then renames it there, so an interrupted run never leaves a
    /// half-filled folder that looks complete.
    private func generate(from template: ScaleTemplate) throws {
        let fileManager = FileManager.default
        let staging = directory.deletingLastPathComponent().appendingPathComponent(".\(directory.lastPathComponent).\(getpid())")
        try? fileManager.removeItem(at: staging)
        for sub in ["", "instances", "definitions", "inbox", "locks", "corrupt"] {
            try fileManager.createDirectory(at: staging.appendingPathComponent(sub), withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: 0o700])
        }
        for (name, bytes) in template.definitions {
            try write(bytes, to: staging.appendingPathComponent("definitions/\(name)").path)
        }
        let instances = staging.appendingPathComponent("instances").path
        for index in 0..<count {
            let id = Self.id(index)
            try write(template.instance(id: id), to: "\(instances)/\(id).json")
        }
        if fileManager.fileExists(atPath: directory.path) { try fileManager.removeItem(at: directory) }
        try fileManager.moveItem(at: staging, to: directory)
    }

    private func write(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw BenchError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw BenchError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }
}
