/// Who may sign in to the console and what each may do: operator tokens repair everything, API tokens resume and
/// retry (and cancel and refund only when no operator tokens are set, as on `/v1`), read-only console tokens look.
struct ConsoleAccess: Sendable {
    let apiTokens: APITokens
    let operatorTokens: APITokens?
    let readOnlyTokens: APITokens?

    /// The identity `token` signs in as, or `nil` when no set accepts it. The most powerful set that accepts it wins.
    func identity(for token: String) -> ConsoleIdentity? {
        if let operatorTokens, let name = operatorTokens.name(of: token) {
            return ConsoleIdentity(name: name, rights: .init(repairs: true, moneyRepairs: true))
        }
        if let name = apiTokens.name(of: token) {
            return ConsoleIdentity(name: name, rights: .init(repairs: true, moneyRepairs: operatorTokens == nil))
        }
        if let readOnlyTokens, let name = readOnlyTokens.name(of: token) {
            return ConsoleIdentity(name: name, rights: .init(repairs: false, moneyRepairs: false))
        }
        return nil
    }
}

/// A signed-in token: its name (never the token) and its rights.
struct ConsoleIdentity: Sendable, Equatable {
    var name: String
    var rights: ConsoleRights
}

/// What a console session may change.
struct ConsoleRights: Sendable, Equatable {
    /// Resume and retry (without re-running a money step).
    var repairs: Bool
    /// Cancel, refund, and a retry that re-runs a step whose money already moved: the customer's money moves.
    var moneyRepairs: Bool

    var readOnly: Bool { !repairs && !moneyRepairs }

    /// Whether `action` is allowed.
    func allows(_ action: ConsoleRepair.Action, rerunningMoneyStep: Bool = false) -> Bool {
        switch action {
        case .resume: repairs
        case .retry: rerunningMoneyStep ? moneyRepairs : repairs
        case .cancel, .refund, .markDone, .correct: moneyRepairs
        }
    }
}
