import Testing
import ZeroMQ

@Suite struct MultipartTests {
    @Test func receiveMultipartIntoDrainsAndCountsOversizedMessages() throws {
        let context = try Context()
        let (pull, push) = try pushPull(context)

        let junk = (0..<50).map { bytes("frame-\($0)") }
        #expect(try push.send(multipart: junk))
        #expect(try push.send(multipart: [bytes("next"), bytes("message")]))
        #expect(try push.send(multipart: junk))

        let messages = (0..<4).map { _ in Message() }
        #expect(try pull.receiveMultipart(into: messages) == 50)
        #expect(messages.map(\.bytes) == Array(junk.prefix(4)))

        #expect(try pull.receiveMultipart(into: messages) == 2)
        #expect(messages[0].bytes == bytes("next"))
        #expect(messages[1].bytes == bytes("message"))
        #expect(!messages[1].more)

        #expect(try pull.receiveMultipart() == junk)
        #expect(try pull.receiveMultipart(into: messages, dontWait: true) == nil)
    }

    @Test func receiveMultipartWithNoMessagesStillCounts() throws {
        let context = try Context()
        let (pull, push) = try pushPull(context)
        try push.send(multipart: [bytes("a"), bytes("b"), bytes("c")])
        try push.send(multipart: [bytes("d")])
        #expect(try pull.receiveMultipart(into: []) == 3)
        #expect(try pull.receiveMultipart() == [bytes("d")])
    }
}
