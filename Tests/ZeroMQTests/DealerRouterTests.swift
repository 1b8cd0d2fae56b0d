import Testing
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

@Suite struct DealerRouterTests {
    @Test func routingIDFramesRoundTrip() throws {
        let context = try Context()
        let router = try makeSocket(context, .router)
        try router.setRouterMandatory(true)
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try makeSocket(context, .dealer)
        try dealer.setRoutingID(bytes("dealer-1"))
        try dealer.connect(try router.lastEndpoint)

        #expect(try dealer.send(multipart: [bytes("hello"), bytes("world")]))
        let request = try #require(try router.receiveMultipart())
        #expect(request == [bytes("dealer-1"), bytes("hello"), bytes("world")])

        #expect(try router.send(multipart: [request[0], bytes("reply"), []]))
        #expect(try dealer.receiveMultipart() == [bytes("reply"), []])
    }

    @Test func routerMandatoryRefusesUnknownPeers() throws {
        let context = try Context()
        let router = try makeSocket(context, .router)
        try router.setRouterMandatory(true)
        try router.bind(inprocEndpoint())
        do {
            try router.send(multipart: [bytes("nobody"), bytes("lost")])
            Issue.record("send to an unknown peer succeeded")
        } catch {
            #expect(error.errno == EHOSTUNREACH)
            #expect(error.operation == "send")
        }
    }
}
