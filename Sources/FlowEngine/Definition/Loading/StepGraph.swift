/// The step graph with deadline edges, for reachability questions such as "can step S run before step Y
/// completed?".
struct StepGraph {
    let steps: [Step]
    let start: String
    let deadlines: [Deadline]

    /// The steps reachable from the start without taking any of the `blocked` transitions (step id, field).
    func reachable(blocking blocked: Set<Edge>) -> Set<String> {
        var edges: [String: [String]] = [:]
        for step in steps {
            edges[step.id] = step.transitions.filter { !blocked.contains(Edge(step: step.id, field: $0.field)) }.map(\.target)
            for deadline in deadlines where deadline.during.contains(step.id) {
                edges[step.id, default: []].append(deadline.goto)
            }
        }
        var seen: Set<String> = [start]
        var queue = [start]
        while let current = queue.popLast() {
            for next in edges[current] ?? [] where seen.insert(next).inserted { queue.append(next) }
        }
        return seen
    }

    /// The steps reachable without step `id` completing (see ``Step/completionTransitions``).
    func reachable(withoutCompleting id: String) -> Set<String> {
        guard let step = steps.first(where: { $0.id == id }) else { return [] }
        return reachable(blocking: Set(step.completionTransitions.map { Edge(step: id, field: $0.field) }))
    }

    struct Edge: Hashable {
        var step: String
        var field: String
    }
}
