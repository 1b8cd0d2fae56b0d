import CasePulseTestKit
import Testing
import ZeroMQ

@Suite struct MessagePropertyTests {
    @Test func connectionPropertiesOfAReceivedFrame() throws {
        let context = try Context()
        let router = try makeSocket(context, .router)
        let scratch = try TemporaryDirectory(prefix: "casepulse-zmq")
        try router.bind(ipcEndpoint(in: scratch))
        let dealer = try makeSocket(context, .dealer)
        try dealer.connect(try router.lastEndpoint)
        try dealer.send("hello")
        let frames = [Message(), Message()]
        #expect(try router.receiveMultipart(into: frames) == 2)
        #expect(frames[1].property("Socket-Type") == "DEALER")
        #expect(frames[1].property("User-Id") == nil)
        #expect(frames[1].property("X-No-Such-Property") == nil)
        #expect(Message().property("Socket-Type") == nil)
    }
}
