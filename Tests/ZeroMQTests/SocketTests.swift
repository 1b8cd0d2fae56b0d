import CasePulseTestKit
import Testing
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

@Suite struct SocketTests {
    @Test func bindingTwiceReportsAddressInUseWithTheEndpoint() throws {
        let context = try Context()
        let first = try makeSocket(context, .pull)
        try first.bind("tcp://127.0.0.1:*")
        let endpoint = try first.lastEndpoint
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        #expect(!endpoint.hasSuffix("*"))

        let second = try makeSocket(context, .pull)
        do {
            try second.bind(endpoint)
            Issue.record("second bind to \(endpoint) succeeded")
        } catch {
            #expect(error.errno == EADDRINUSE)
            #expect(error.operation == "bind")
            #expect(error.endpoint == endpoint)
            #expect(error.description == "bind \(endpoint): Address already in use (errno \(EADDRINUSE))")
        }
    }

    @Test func malformedEndpointThrows() throws {
        let context = try Context()
        let socket = try makeSocket(context, .push)
        do {
            try socket.connect("tcp://")
            Issue.record("connect to a malformed endpoint succeeded")
        } catch {
            #expect(error.endpoint == "tcp://")
            #expect(error.operation == "connect")
        }
    }

    @Test func unbindAndDisconnect() throws {
        let context = try Context()
        let pull = try makeSocket(context, .pull)
        let push = try makeSocket(context, .push)
        try pull.bind("tcp://127.0.0.1:*")
        let endpoint = try pull.lastEndpoint
        try push.connect(endpoint)
        try push.disconnect(endpoint)
        try pull.unbind(endpoint)
        #expect(throws: ZMQError.self) { try pull.unbind(endpoint) }
        #expect(throws: ZMQError.self) { try push.disconnect(endpoint) }
        // The port is released asynchronously by the I/O thread; it becomes free again.
        let other = try makeSocket(context, .pull)
        var rebound = false
        for _ in 0..<100 where !rebound {
            do {
                try other.bind(endpoint)
                rebound = true
            } catch {
                #expect(error.errno == EADDRINUSE)
                usleep(10_000)
            }
        }
        #expect(rebound)
    }

    @Test func closeIsIdempotentAndLaterCallsThrowENOTSOCK() throws {
        let context = try Context()
        let socket = try makeSocket(context, .push)
        #expect(!socket.isClosed)
        socket.close(linger: 0)
        socket.close()
        #expect(socket.isClosed)
        do {
            try socket.bind("ipc:///nonexistent-casepulse/closed.sock")
            Issue.record("bind on a closed socket succeeded")
        } catch {
            #expect(error.errno == ENOTSOCK)
        }
        #expect(throws: ZMQError.self) { try socket.send("x") }
        #expect(throws: ZMQError.self) { try socket.linger }
    }

    @Test func dontWaitReturnsFalseOnEAGAIN() throws {
        let context = try Context()
        let pull = try makeSocket(context, .pull)
        try pull.bind(inprocEndpoint())
        let message = Message()
        #expect(try pull.receive(into: message, dontWait: true) == false)
        #expect(message.count == 0)
        #expect(try pull.receiveMultipart(dontWait: true) == nil)
        #expect(try pull.receiveMultipart(into: [Message()], dontWait: true) == nil)

        // A PUSH without any peer cannot queue anything.
        let push = try makeSocket(context, .push)
        #expect(try push.send("lonely", dontWait: true) == false)
        #expect(try push.send(bytes("lonely"), more: true, dontWait: true) == false)
        #expect(try push.send(multipart: [bytes("a"), bytes("b")], dontWait: true) == false)
    }

    @Test func receiveTimeoutReturnsFalse() throws {
        let context = try Context()
        let pull = try makeSocket(context, .pull, timeout: 50)
        try pull.bind(inprocEndpoint())
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try pull.receive(into: Message()) == false)
        #expect(clock.now - start >= .milliseconds(40))
    }

    @Test func refusedMultipartLeavesNoPartialMessage() throws {
        let context = try Context()
        let endpoint = inprocEndpoint()
        let push = try makeSocket(context, .push)
        try push.bind(endpoint)
        #expect(try push.send(multipart: [bytes("partial"), bytes("never")], dontWait: true) == false)

        let pull = try makeSocket(context, .pull)
        try pull.connect(endpoint)
        #expect(try push.send(multipart: [bytes("whole"), bytes("message")]))
        #expect(try pull.receiveMultipart() == [bytes("whole"), bytes("message")])
        #expect(try pull.receiveMultipart(dontWait: true) == nil)
    }

    @Test func sendVariantsDeliverTheSameBytes() throws {
        let context = try Context()
        let scratch = try TemporaryDirectory(prefix: "casepulse-zmq"), endpoint = ipcEndpoint(in: scratch)
        let pull = try makeSocket(context, .pull)
        try pull.bind(endpoint)
        let push = try makeSocket(context, .push)
        try push.connect(endpoint)

        try push.send("text", more: true)
        try push.send(bytes("array"), more: true)
        let raw: [UInt8] = [0, 1, 2, 255]
        try raw.withUnsafeBytes { buffer in _ = try push.send(buffer, more: true) }
        try push.send([UInt8]())
        #expect(try pull.receiveMultipart() == [bytes("text"), bytes("array"), raw, []])
    }

    @Test func eventsAndFileDescriptor() throws {
        let context = try Context()
        let (pull, push) = try pushPull(context)

        #expect(try pull.fileDescriptor >= 0)
        #expect(try push.events.contains(.writable))
        #expect(try !pull.events.contains(.readable))
        try push.send("ping")
        #expect(try pull.events.contains(.readable))
        #expect(try pull.receiveMultipart() == [bytes("ping")])
        #expect(try !pull.events.contains(.readable))
    }

    @Test func optionsRoundTrip() throws {
        let context = try Context()
        let dealer = try Socket(context, .dealer)
        try dealer.setSendHighWaterMark(17)
        try dealer.setReceiveHighWaterMark(23)
        try dealer.setLinger(250)
        try dealer.setReceiveTimeout(1_234)
        try dealer.setSendTimeout(4_321)
        try dealer.setMaxMessageSize(1 << 33)
        try dealer.setRoutingID(bytes("dealer-7"))
        try dealer.setImmediate(true)
        try dealer.setIPv6(true)
        try dealer.setZAPDomain("casepulse")
        try dealer.setOption(ZMQOptionForTests.backlog, 7)

        #expect(try dealer.sendHighWaterMark == 17)
        #expect(try dealer.receiveHighWaterMark == 23)
        #expect(try dealer.linger == 250)
        #expect(try dealer.receiveTimeout == 1_234)
        #expect(try dealer.sendTimeout == 4_321)
        #expect(try dealer.maxMessageSize == 1 << 33)
        #expect(try dealer.routingID == bytes("dealer-7"))
        #expect(try dealer.immediate)
        #expect(try dealer.ipv6)
        #expect(try dealer.zapDomain == "casepulse")
        #expect(try dealer.intOption(ZMQOptionForTests.backlog) == 7)
        #expect(try dealer.int64Option(ZMQOptionForTests.maxMessageSize) == 1 << 33)
        #expect(try dealer.bytesOption(ZMQOptionForTests.routingID) == bytes("dealer-7"))

        // Write-only and type-specific options are refused where they do not apply.
        #expect(throws: ZMQError.self) { try dealer.subscribe("x") }
        #expect(throws: ZMQError.self) { try dealer.setRouterMandatory(true) }
        #expect(throws: ZMQError.self) { try dealer.setCurveServerKey([1, 2, 3]) }
        do {
            try dealer.setRoutingID([])
            Issue.record("empty routing id accepted")
        } catch {
            #expect(error.errno == EINVAL)
            #expect(error.operation == "setsockopt ZMQ_ROUTING_ID")
        }
    }
}

/// Raw option numbers for the generic accessors (from zmq.h).
enum ZMQOptionForTests {
    static let backlog: Int32 = 19
    static let maxMessageSize: Int32 = 22
    static let routingID: Int32 = 5
}
