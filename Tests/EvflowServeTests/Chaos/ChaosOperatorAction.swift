/// One command the campaign's operator types, drawn from the seed before the run: which command, on which
/// session, with which step, and when (after how many sessions have started, plus a pause). Only the moment
/// against the sessions' progress depends on scheduling; the list itself replays for the same seed.
struct ChaosOperatorAction: Sendable, CustomStringConvertible {
    enum Command: String, Sendable, CaseIterable {
        case list, show, resume, retry
        case retryFromStep = "retry-from-step"
        /// `retry --from-step <step> --rerun-completed --reason <text>`: the operator insists on running a
        /// completed money step again; the engine's ledger must still bound the money.
        case retryRerun = "retry-rerun"
        case cancel, reconcile
        case reconcileAll = "reconcile-all"

        /// Commands that may take a session off its planned course when they take effect: the verdict
        /// expects a different outcome for it (``ChaosVerdict``). `resume` and `reconcile` are not among
        /// them: they must never change where a session ends or what it costs.
        var moves: Bool {
            switch self {
            case .retry, .retryFromStep, .retryRerun, .cancel: true
            case .list, .show, .resume, .reconcile, .reconcileAll: false
            }
        }

        /// How often a person reaches for each command on a bad night.
        static let weights: [(Command, Int)] = [
            (.list, 4), (.show, 4), (.resume, 6), (.retry, 5), (.retryFromStep, 8), (.retryRerun, 3),
            (.cancel, 6), (.reconcile, 4), (.reconcileAll, 1),
        ]
    }

    /// Steps of flows/ev-charging.json an operator may restart from: the money steps and their neighbours.
    /// Steps before `meter` other than `reserve` are left out: restarting a session that already ended at
    /// `startCharging` or `authorize` would only wait for a customer or a station the campaign has finished with.
    static let steps: [(String, Int)] = [
        ("capture", 6), ("releaseRemainder", 3), ("price", 2), ("releaseAll", 1), ("abandon", 1), ("reserve", 1),
    ]

    let number: Int
    let command: Command
    /// The session's plan index; `nil` for `list` and `reconcile --all`.
    let session: Int?
    let step: String?
    /// The action waits until this many sessions have been started...
    let afterStarts: Int
    /// ...and then this long.
    let pause: Duration

    /// The command line after `evflow`, without the state and flows folders.
    func arguments(id: String?) -> [String] {
        switch command {
        case .list: ["list", "--status", "stuck", "--json"]
        case .show: ["show", id ?? "-"]
        case .resume: ["resume", id ?? "-"]
        case .retry: ["retry", id ?? "-"]
        case .retryFromStep: ["retry", id ?? "-", "--from-step", step ?? "capture"]
        case .retryRerun: ["retry", id ?? "-", "--from-step", step ?? "capture", "--rerun-completed", "--reason", "chaos operator #\(number) insists"]
        case .cancel: ["cancel", id ?? "-", "--reason", "chaos operator #\(number): customer called support"]
        case .reconcile: ["reconcile", id ?? "-"]
        case .reconcileAll: ["reconcile", "--all"]
        }
    }

    var description: String {
        "#\(number) \(command.rawValue)\(session.map { " session \($0)" } ?? "")\(step.map { " step \($0)" } ?? "") after \(afterStarts) starts + \(pause)"
    }

    /// `count` actions over a campaign of `sessions`, in the order they become due. Each aims at a session
    /// started shortly before its moment (most still in flight at `concurrency`, some just finished).
    static func plan(count: Int, sessions: Int, concurrency: Int, seed: UInt64) -> [ChaosOperatorAction] {
        var random = ChaosRandom(seed: seed, stream: 3)
        let actions = (0..<count).map { number in
            let afterStarts = Int.random(in: 1...sessions, using: &random)
            let command = random.pick(Command.weights)
            let behind = Int.random(in: 1...(concurrency + concurrency / 2 + 1), using: &random)
            let session = max(0, afterStarts - behind)
            let step = random.pick(steps)
            let pause = random.seconds(in: 0...2)
            let aimed = command == .list || command == .reconcileAll ? nil : session
            let stepped = command == .retryFromStep || command == .retryRerun ? step : nil
            return ChaosOperatorAction(number: number, command: command, session: aimed, step: stepped,
                                       afterStarts: afterStarts, pause: pause)
        }
        return actions.sorted { ($0.afterStarts, $0.number) < ($1.afterStarts, $1.number) }
    }
}
