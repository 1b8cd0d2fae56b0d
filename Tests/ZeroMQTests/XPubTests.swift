import Testing
import ZeroMQ

@Suite struct XPubTests {
    @Test func xpubSeesSubscriptionFrames() throws {
        let context = try Context()
        let endpoint = inprocEndpoint()
        let xpub = try makeSocket(context, .xpub)
        try xpub.bind(endpoint)
        let subscriber = try makeSocket(context, .sub)
        try subscriber.connect(endpoint)

        try subscriber.subscribe("topic")
        #expect(try xpub.receiveMultipart() == [[1] + bytes("topic")])
        try subscriber.unsubscribe("topic")
        #expect(try xpub.receiveMultipart() == [[0] + bytes("topic")])
    }

    /// Sends numbered messages with `dontWait` to a subscriber that reads nothing, over a pipe
    /// with high-water marks of 1; returns how many were accepted and what the subscriber got.
    private func flood(noDrop: Bool) throws -> (accepted: Int, attempts: Int, received: [Int]) {
        let context = try Context()
        let endpoint = inprocEndpoint()
        let xpub = try makeSocket(context, .xpub)
        try xpub.setSendHighWaterMark(1)
        try xpub.setXPubNoDrop(noDrop)
        try xpub.bind(endpoint)
        let subscriber = try makeSocket(context, .sub, timeout: 200)
        try subscriber.setReceiveHighWaterMark(1)
        try subscriber.connect(endpoint)
        try subscriber.subscribe("")
        #expect(try xpub.receiveMultipart() == [[1]])

        var accepted = 0
        var attempts = 0
        while attempts < 1_000 {
            attempts += 1
            guard try xpub.send(String(accepted), dontWait: true) else { break }
            accepted += 1
        }
        var received: [Int] = []
        while let frames = try subscriber.receiveMultipart(), let number = Int(String(decoding: frames[0], as: UTF8.self)) {
            received.append(number)
        }
        return (accepted, attempts, received)
    }

    @Test func noDropRefusesInsteadOfDropping() throws {
        let result = try flood(noDrop: true)
        #expect(result.accepted < result.attempts, "a full pipe never refused a send")
        #expect(result.accepted >= 1)
        #expect(result.received == Array(0..<result.accepted), "accepted messages were dropped")
    }

    @Test func withoutNoDropMessagesAreDropped() throws {
        let result = try flood(noDrop: false)
        #expect(result.accepted == 1_000)
        #expect(result.received.count < 1_000)
    }
}
