/// One command the campaign's operator types, drawn from the seed before the run: which command, on which
/// session, with which step, and when (after how many sessions have finished, plus a pause). Only the moment
/// against the sessions' progress depends on scheduling; the list itself replays for the same seed.
///
/// `list --status stuck` is followed, as a person would, by a command on one of the stuck instances it shows
/// (``followUp``), which is how the operator reaches sessions whose release keeps failing.
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
    /// How many sessions before the newest started one the target is: below the concurrency it is in flight,
    /// above it has just finished. `nil` for `list`, `reconcile --all` and a follow-up.
    let behind: Int?
    /// The target of a follow-up: the plan index of a stuck instance `list` showed.
    let session: Int?
    let step: String?
    /// After a `list`: the command for one of the stuck instances listed, with ``step`` for a restart.
    let followUp: Command?
    /// Picks which of the listed stuck instances ``followUp`` acts on.
    let pick: Int
    /// The action waits until this many sessions have finished...
    let afterFinished: Int
    /// ...and then this long.
    let pause: Duration

    /// The command line after `evflow`, without the state and flows folders.
    func arguments(id: String?) -> [String] {
        switch command {
        // A short grace: at 3 a.m. a person looks at what is late now, not an hour from now.
        case .list: ["list", "--status", "stuck", "--json", "--grace", "5s"]
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
        "#\(number) \(command.rawValue)\(behind.map { " \($0) behind the newest session" } ?? "")\(session.map { " session \($0)" } ?? "")\(step.map { " step \($0)" } ?? "")"
            + "\(followUp.map { " then \($0.rawValue)" } ?? "") after \(afterFinished) finished + \(pause)"
    }

    /// How many `reconcile --all` a campaign has at most.
    static let maximumSweeps = 3

    /// Commands a person types on an instance `list --status stuck` showed.
    static let followUps: [(Command, Int)] = [(.resume, 3), (.retry, 2), (.retryFromStep, 3), (.cancel, 2)]

    /// `count` actions over a campaign of `sessions`, in the order they become due, spread over the campaign
    /// by the number of sessions finished. Each aims at one of the `concurrency` sessions started last (in
    /// flight, at any step), or at one of the half as many before them (just finished).
    static func plan(count: Int, sessions: Int, concurrency: Int, seed: UInt64) -> [ChaosOperatorAction] {
        var random = ChaosRandom(seed: seed, stream: 3)
        var sweeps = 0
        let actions = (0..<count).map { number in
            let afterFinished = Int.random(in: 0..<sessions, using: &random)
            var command = random.pick(Command.weights)
            // `reconcile --all` reads every payment (about 20 s for 200 under faults): a person runs it a few
            // times a night, not in proportion to the sessions.
            if command == .reconcileAll {
                sweeps += 1
                if sweeps > maximumSweeps { command = .reconcile }
            }
            let behind = Int.random(in: 0..<(concurrency + concurrency / 2 + 1), using: &random)
            let step = random.pick(steps)
            let followUp = random.pick(followUps)
            let pick = Int.random(in: 0..<1_000_000, using: &random)
            let pause = random.seconds(in: 0...0.5)
            let aimed = command == .list || command == .reconcileAll ? nil : behind
            let restarts = command == .retryFromStep || command == .retryRerun || command == .list && followUp == .retryFromStep
            return ChaosOperatorAction(number: number, command: command, behind: aimed, session: nil, step: restarts ? step : nil,
                                       followUp: command == .list ? followUp : nil, pick: pick, afterFinished: afterFinished, pause: pause)
        }
        return actions.sorted { ($0.afterFinished, $0.number) < ($1.afterFinished, $1.number) }
    }

    /// The follow-up of a `list` on the instance `session`, as an action of its own (same number).
    func followingUp(on session: Int) -> ChaosOperatorAction? {
        guard let followUp else { return nil }
        return ChaosOperatorAction(number: number, command: followUp, behind: nil, session: session, step: step, followUp: nil, pick: pick,
                                   afterFinished: afterFinished, pause: .zero)
    }
}
