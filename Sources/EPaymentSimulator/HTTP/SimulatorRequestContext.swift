import Hummingbird
import NIOCore

/// The request context of the simulator's router: Hummingbird's basics plus the connection's channel, which
/// the "connection reset" and "response lost" faults close without writing a response.
struct SimulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
