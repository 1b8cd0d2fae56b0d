import CasePulseServer
import Logging
import Testing
import ZeroMQ

@Suite struct ServerContextTests {
    /// The server thread frees one receive buffer per some 35 events rather than one copy per
    /// event: the server turns zero-copy receive on, on the context its sockets come from, even
    /// one handed to it with it off.
    @Test func serverTurnsZeroCopyReceiveOnOnItsContext() throws {
        let context = try Context()
        try context.setReceivesWithoutCopy(false)
        #expect(!context.receivesWithoutCopy)
        _ = try Server(configuration: ServerConfiguration(), context: context, logger: Logger(label: "server-context-test"))
        #expect(context.receivesWithoutCopy)
    }
}
