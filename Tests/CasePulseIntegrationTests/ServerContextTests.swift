import CasePulseServer
import Logging
import Testing
import ZeroMQ

@Suite struct ServerContextTests {
    /// The server thread frees one receive buffer per some 35 events rather than one copy per
    /// event: the server turns zero-copy receive on, on the context its sockets come from, even
    /// one handed to it with it off — but with `--fsync always`, where a producer faster than the
    /// disk would queue a read buffer per event, it turns it off.
    @Test(arguments: FsyncMode.allCases)
    func serverReceivesWithoutCopyButWithFsyncAlways(_ fsync: FsyncMode) throws {
        let context = try Context()
        try context.setReceivesWithoutCopy(fsync == .always)
        var configuration = ServerConfiguration()
        configuration.fsync = fsync
        #expect(configuration.receivesWithoutCopy == (fsync != .always))
        _ = try Server(configuration: configuration, context: context, logger: Logger(label: "server-context-test"))
        #expect(context.receivesWithoutCopy == (fsync != .always))
    }
}
