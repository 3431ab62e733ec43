import FlowEngine

/// A flow's steps drawn as SVG on the server, for the instance page: layers in breadth-first order from the start
/// step, a box per step labelled with its id and kind, an arrow per transition (dashed for failure and timeout
/// paths), the steps the instance visited tinted and its current step marked.
///
/// No layout library and no script: the drawing is plain shapes, scaled to the screen by its `viewBox`.
struct FlowGraphSVG: Sendable {
    let definition: FlowDefinition
    /// The step to mark (the current one, or where it failed).
    let current: String?
    let visited: Set<String>

    static let boxWidth = 150
    static let boxHeight = 40
    static let columnGap = 30
    static let rowGap = 50

    /// Each step's layer (distance from the start) and position in it; steps no path reaches come last.
    func layout() -> [(step: Step, layer: Int, column: Int)] {
        var layerOf: [String: Int] = [definition.start: 0]
        var order: [String] = [definition.start]
        var queue = [definition.start]
        while !queue.isEmpty {
            let id = queue.removeFirst()
            guard let step = definition.step(id) else { continue }
            for (_, target) in step.transitions where layerOf[target] == nil && definition.step(target) != nil {
                layerOf[target] = layerOf[id, default: 0] + 1
                order.append(target)
                queue.append(target)
            }
        }
        let unreachableLayer = (layerOf.values.max() ?? 0) + 1
        for step in definition.steps where layerOf[step.id] == nil {
            layerOf[step.id] = unreachableLayer
            order.append(step.id)
        }
        var columns: [Int: Int] = [:]
        return order.compactMap { id in
            guard let step = definition.step(id), let layer = layerOf[id] else { return nil }
            let column = columns[layer, default: 0]
            columns[layer] = column + 1
            return (step, layer, column)
        }
    }

    func render() -> String {
        let placed = layout()
        let widest = placed.reduce(into: [Int: Int]()) { $0[$1.layer] = max($0[$1.layer] ?? 0, $1.column + 1) }.values.max() ?? 1
        let layers = (placed.map(\.layer).max() ?? 0) + 1
        let width = widest * (Self.boxWidth + Self.columnGap) + Self.columnGap
        let height = layers * (Self.boxHeight + Self.rowGap) + Self.rowGap
        var position: [String: (x: Int, y: Int)] = [:]
        var layerWidth: [Int: Int] = [:]
        for item in placed { layerWidth[item.layer] = max(layerWidth[item.layer] ?? 0, item.column + 1) }
        for item in placed {
            // Each layer centred.
            let count = layerWidth[item.layer] ?? 1
            let offset = (width - count * (Self.boxWidth + Self.columnGap) + Self.columnGap) / 2
            position[item.step.id] = (offset + item.column * (Self.boxWidth + Self.columnGap), Self.rowGap / 2 + item.layer * (Self.boxHeight + Self.rowGap))
        }
        var svg = ##"<svg xmlns="http://www.w3.org/2000/svg" id="flow-graph" viewBox="0 0 \##(width) \##(height)" width="100%" style="max-width:\##(width)px" role="img" aria-label="the steps of flow \##(Self.escape(definition.name))">"##
        svg += ##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>"##
        for item in placed {
            guard let from = position[item.step.id] else { continue }
            for (field, target) in item.step.transitions {
                guard let to = position[target] else { continue }
                let dashed = field == "onFailure" || field == "onTimeout" ? ##" stroke-dasharray="5,4""## : ""
                let x1 = from.x + Self.boxWidth / 2, y1 = from.y + Self.boxHeight
                let x2 = to.x + Self.boxWidth / 2, y2 = to.y
                let path: String
                if to.y > from.y {
                    path = "M\(x1),\(y1) C\(x1),\(y1 + Self.rowGap / 2) \(x2),\(y2 - Self.rowGap / 2) \(x2),\(y2)"
                } else {
                    // Back or sideways edges loop round the right of the boxes.
                    let side = max(from.x, to.x) + Self.boxWidth + Self.columnGap / 2
                    path = "M\(from.x + Self.boxWidth),\(from.y + Self.boxHeight / 2) C\(side),\(from.y + Self.boxHeight / 2) \(side),\(to.y + Self.boxHeight / 2) \(to.x + Self.boxWidth),\(to.y + Self.boxHeight / 2)"
                }
                svg += ##"<path d="\##(path)" fill="none" stroke="#555" stroke-width="1.5"\##(dashed) marker-end="url(#arrow)"><title>\##(Self.escape(item.step.id)) \##(Self.escape(field)) \##(Self.escape(target))</title></path>"##
            }
        }
        for item in placed {
            guard let at = position[item.step.id] else { continue }
            let isCurrent = item.step.id == current
            let fill = isCurrent ? "#ffd34d" : visited.contains(item.step.id) ? "#dff0d8" : "#ffffff"
            let stroke = isCurrent ? ##"stroke="#b8860b" stroke-width="3""## : ##"stroke="#333" stroke-width="1""##
            let rx = item.step.isTerminal ? 18 : 4
            let mark = isCurrent ? ##" id="current-step" class="current""## : ""
            svg += ##"<g\##(mark)><rect x="\##(at.x)" y="\##(at.y)" width="\##(Self.boxWidth)" height="\##(Self.boxHeight)" rx="\##(rx)" fill="\##(fill)" \##(stroke)/>"##
            svg += ##"<text x="\##(at.x + Self.boxWidth / 2)" y="\##(at.y + 17)" text-anchor="middle" font-size="13" font-family="sans-serif">\##(Self.escape(Self.clip(item.step.id)))</text>"##
            svg += ##"<text x="\##(at.x + Self.boxWidth / 2)" y="\##(at.y + 32)" text-anchor="middle" font-size="11" font-family="sans-serif" fill="#555">\##(Self.escape(item.step.kind.name))\##(isCurrent ? " (current)" : "")</text></g>"##
        }
        return svg + "</svg>"
    }

    /// A step id that fits its box.
    static func clip(_ text: String) -> String { text.count <= 20 ? text : String(text.prefix(19)) + "…" }

    /// Text for SVG (XML) content and attributes.
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
