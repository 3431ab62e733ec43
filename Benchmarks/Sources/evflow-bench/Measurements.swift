/// The load shapes the benchmark measures.
enum Phase: Hashable {
    case sequential
    case concurrent
}

/// One phase's client-side figures plus what the server saw.
struct MeasuredPhase {
    var result: PhaseResult
    /// Server CPU per request, in microseconds; `nil` where /proc is not available.
    var serverCPUMicrosecondsPerRequest: Double?
    var connectionsOpened: Int
}

/// Every round's result, by client and phase.
struct Measurements {
    private var phases: [String: [Phase: [MeasuredPhase]]] = [:]

    mutating func add(_ phase: MeasuredPhase, client: String, phase kind: Phase) {
        phases[client, default: [:]][kind, default: []].append(phase)
    }

    func rounds(_ client: String, _ phase: Phase) -> [MeasuredPhase] {
        phases[client]?[phase] ?? []
    }

    /// The median over rounds of one figure.
    func median(_ client: String, _ phase: Phase, _ figure: (MeasuredPhase) -> Double?) -> Double? {
        let values = rounds(client, phase).compactMap(figure)
        return values.isEmpty ? nil : medianOf(values)
    }

    var clients: [String] { ["curl", "ahc"].filter { phases[$0] != nil } }
}
