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

    @Test func zeroCopyReceiveIsOnByDefaultAndCanBeTurnedOff() throws {
        let context = try Context()
        #expect(context.receivesWithoutCopy)
        try context.setReceivesWithoutCopy(false)
        #expect(!context.receivesWithoutCopy)
        try context.setReceivesWithoutCopy(true)
        #expect(context.receivesWithoutCopy)
    }

    @Test func framesArriveWholeWithoutZeroCopyReceive() throws {
        let context = try Context()
        try context.setReceivesWithoutCopy(false)
        let pull = try Socket(context, .pull)
        let push = try Socket(context, .push)
        defer {
            push.close(linger: 0)
            pull.close(linger: 0)
        }
        try pull.bind("tcp://127.0.0.1:*")
        try push.connect(try pull.lastEndpoint)
        try pull.setReceiveTimeout(5000)
        // Small frames (each copied out of the receive buffer) and one larger than that buffer.
        let frames: [[UInt8]] = (0..<200).map { index in (0..<(index % 40 + 1)).map { UInt8(($0 + index) & 0xFF) } }
            + [[UInt8](repeating: 7, count: 20_000)]
        for frame in frames { _ = try push.send(frame) }
        for frame in frames {
            let received = try pull.receiveMultipart()
            #expect(received == [frame])
        }
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
