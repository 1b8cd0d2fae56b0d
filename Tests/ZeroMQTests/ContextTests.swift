import Testing
import ZeroMQ
import CZeroMQ  // ETERM

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ContextTests {
    @Test func versionIsTheInstalledLibzmq() {
        let version = Context.version
        #expect(version.major == 4)
        #expect(version.minor >= 3)
    }

    @Test func capabilities() {
        #expect(Context.has("ipc"))
        #expect(Context.has("curve"))
        #expect(!Context.has("no-such-capability"))
    }

    @Test func invalidIOThreadsThrows() {
        #expect(throws: ZMQError.self) { try Context(ioThreads: -1) }
    }

    @Test func shutdownMakesSocketsFailWithETERM() throws {
        let context = try Context()
        let socket = try Socket(context, .pull)
        try socket.setLinger(0)
        context.shutdown()
        let message = Message()
        do {
            _ = try socket.receive(into: message)
            Issue.record("receive after shutdown did not throw")
        } catch {
            #expect(error.errno == ETERM)
            #expect(error.isContextTerminated)
        }
        do {
            _ = try Socket(context, .push)
            Issue.record("socket creation after shutdown did not throw")
        } catch {
            #expect(error.errno == ETERM)
        }
        socket.close()
    }
}
