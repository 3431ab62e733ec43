/// Checks the resolved step graph: every step reachable from the start, a terminal reachable from every step, and
/// no cycle that could spin without waiting for an event or time.
struct GraphValidator {
    let steps: [Step]
    let start: String
    let deadlines: [Deadline]
    let decoder: DefinitionDecoder

    /// Step id → successors, including timeout and failure paths and the deadlines that may fire there.
    private func successors() -> [String: [String]] {
        var result: [String: [String]] = [:]
        for step in steps {
            result[step.id] = step.transitions.map(\.target)
            for deadline in deadlines where deadline.during.contains(step.id) {
                result[step.id, default: []].append(deadline.goto)
            }
        }
        return result
    }

    func validate() {
        let graph = successors()
        let byID = Dictionary(steps.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })

        // Reachable from the start.
        var reachable: Set<String> = [start]
        var queue = [start]
        while let id = queue.popLast() {
            for next in graph[id] ?? [] where reachable.insert(next).inserted { queue.append(next) }
        }
        for step in steps where !reachable.contains(step.id) {
            decoder.report(step.jsonPath, step.position, "step \"\(step.id)\" is unreachable from the start step \"\(start)\"",
                           hint: "remove it, or add a transition to it")
        }

        // A terminal reachable from every reachable step (walk the reversed graph from the terminals).
        let terminals = steps.filter(\.isTerminal).map(\.id)
        if terminals.isEmpty {
            let first = steps.first
            decoder.report("$.steps", first?.position ?? SourcePosition(line: 1, column: 1), "the flow has no succeed or fail step, so it can never finish",
                           hint: "add a { \"kind\": \"succeed\" } step and transitions to it")
        } else {
            var reverse: [String: [String]] = [:]
            for (id, targets) in graph { for target in targets { reverse[target, default: []].append(id) } }
            var finishing = Set(terminals)
            var pending = terminals
            while let id = pending.popLast() {
                for previous in reverse[id] ?? [] where finishing.insert(previous).inserted { pending.append(previous) }
            }
            for step in steps where reachable.contains(step.id) && !finishing.contains(step.id) {
                decoder.report(step.jsonPath, step.position, "no succeed or fail step is reachable from step \"\(step.id)\"",
                               hint: "an instance reaching it could never finish; add a transition toward a terminal step")
            }
        }

        // Cycles without a waiting step (over step transitions; deadlines fire on a timer, so they never spin).
        for component in StronglyConnectedComponents(steps: steps).components {
            let isCycle = component.count > 1 || (byID[component[0]]?.transitions.contains { $0.target == component[0] } ?? false)
            guard isCycle, !component.contains(where: { byID[$0]?.waits ?? false }) else { continue }
            let ordered = steps.filter { component.contains($0.id) }
            guard let first = ordered.first else { continue }
            decoder.report(first.jsonPath, first.position,
                           "loop without a wait: \((ordered.map(\.id) + [first.id]).joined(separator: " → ")) can repeat without waiting for a signal or a timer",
                           hint: "add a wait, awaitSignal or awaitPayment step to the loop, so it cannot spin and hammer the provider")
        }
    }
}

/// Tarjan's strongly connected components over step transitions.
struct StronglyConnectedComponents {
    private(set) var components: [[String]] = []

    init(steps: [Step]) {
        let graph = Dictionary(steps.map { ($0.id, $0.transitions.map(\.target)) }, uniquingKeysWith: { first, _ in first })
        var index = 0
        var indices: [String: Int] = [:]
        var lowLinks: [String: Int] = [:]
        var stack: [String] = []
        var onStack: Set<String> = []
        var found: [[String]] = []

        func connect(_ id: String) {
            indices[id] = index
            lowLinks[id] = index
            index += 1
            stack.append(id)
            onStack.insert(id)
            for next in graph[id] ?? [] where graph[next] != nil {
                if indices[next] == nil {
                    connect(next)
                    lowLinks[id] = min(lowLinks[id]!, lowLinks[next]!)
                } else if onStack.contains(next) {
                    lowLinks[id] = min(lowLinks[id]!, indices[next]!)
                }
            }
            if lowLinks[id] == indices[id] {
                var component: [String] = []
                while let top = stack.popLast() {
                    onStack.remove(top)
                    component.append(top)
                    if top == id { break }
                }
                found.append(component)
            }
        }

        for step in steps where indices[step.id] == nil { connect(step.id) }
        components = found
    }
}
