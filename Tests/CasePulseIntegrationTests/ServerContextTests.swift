import CasePulseServer
import Logging
import Testing
import ZeroMQ

@Suite struct ServerContextTests {
    /// A queued ingest event must hold a copy of its own bytes, not a share of libzmq's 18 KiB
    /// receive buffer: the server turns zero-copy receive off on the context its sockets come from.
    @Test func serverTurnsZeroCopyReceiveOffOnItsContext() throws {
        let context = try Context()
        #expect(context.receivesWithoutCopy)
        _ = try Server(configuration: ServerConfiguration(), context: context, logger: Logger(label: "server-context-test"))
        #expect(!context.receivesWithoutCopy)
    }
}
