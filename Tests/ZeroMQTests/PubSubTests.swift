import CasePulseTestKit
import Testing
import ZeroMQ

@Suite struct PubSubTests {
    @Test func multipartRoundTripWithPrefixFiltering() throws {
        let context = try Context()
        let scratch = try TemporaryDirectory(prefix: "casepulse-zmq"), endpoint = ipcEndpoint(in: scratch)
        let publisher = try makeSocket(context, .pub)
        try publisher.bind(endpoint)
        let subscriber = try makeSocket(context, .sub)
        try subscriber.connect(endpoint)
        try subscriber.subscribe("alpha.")
        #expect(try synchronize(publisher: publisher, subscriber: subscriber, topic: "alpha.sync"))

        try publisher.send(multipart: [bytes("beta.x"), bytes("filtered out")])
        try publisher.send(multipart: [bytes("alphabet"), bytes("filtered out too")])
        try publisher.send(multipart: [bytes("alpha.x"), bytes("yes"), [0, 1, 2]])
        try publisher.send(multipart: [bytes("alpha."), []])
        try publisher.send(multipart: [bytes("beta.end")])
        try publisher.send(multipart: [bytes("alpha.end")])

        #expect(try receiveSkippingSync(subscriber) == [bytes("alpha.x"), bytes("yes"), [0, 1, 2]])
        #expect(try receiveSkippingSync(subscriber) == [bytes("alpha."), []])
        #expect(try receiveSkippingSync(subscriber) == [bytes("alpha.end")])
        #expect(try subscriber.receiveMultipart(dontWait: true) == nil)
    }
}
