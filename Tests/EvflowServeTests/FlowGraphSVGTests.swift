import EvflowTestSupport
import FlowEngine
import Foundation
import Testing

@testable import EvflowServer

/// The console's server-drawn graph: layers in breadth-first order from the start step, every step drawn once,
/// the current step marked, and step ids escaped as XML.
struct FlowGraphSVGTests {
    static func fixedPrice() throws -> FlowDefinition {
        try FlowDefinitionLoader().load(fileAt: Repository.flows.appending(path: "fixed-price.json"))
    }

    @Test func stepsAreLayeredByTheirDistanceFromTheStartStep() throws {
        let definition = try Self.fixedPrice()
        let layout = FlowGraphSVG(definition: definition, current: nil, visited: []).layout()
        let layer = Dictionary(uniqueKeysWithValues: layout.map { ($0.step.id, $0.layer) })
        #expect(layout.count == definition.steps.count, "every step is drawn once")
        #expect(layer["reserve"] == 0 && layer["authorize"] == 1 && layer["start"] == 2 && layer["capture"] == 3 && layer["done"] == 4)
        #expect(layer["notAuthorized"] == 1, "reserve's failure path is one step away")
    }

    @Test func theCurrentStepIsMarkedAndVisitedStepsTinted() throws {
        let svg = FlowGraphSVG(definition: try Self.fixedPrice(), current: "capture", visited: ["reserve", "authorize", "start", "capture"]).render()
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
        #expect(svg.components(separatedBy: #"id="current-step""#).count == 2, "one step is current")
        #expect(svg.contains("capture (current)"))
        #expect(svg.contains("stroke-dasharray"), "failure paths are dashed")
        #expect(svg.components(separatedBy: "#dff0d8").count - 1 == 3, "the other visited steps are tinted")
    }

    @Test func textIsEscapedForXML() {
        #expect(FlowGraphSVG.escape(#"<script>"a" & 'b'</script>"#) == "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;")
        #expect(FlowGraphSVG.clip(String(repeating: "x", count: 30)).count == 20)
    }
}
