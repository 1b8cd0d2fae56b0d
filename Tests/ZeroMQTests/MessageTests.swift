import Testing
import ZeroMQ

@Suite struct MessageTests {
    @Test func emptyMessage() {
        let message = Message()
        #expect(message.count == 0)
        #expect(message.bytes == [])
        #expect(!message.more)
        #expect(message.withUnsafeBytes { $0.count } == 0)
    }

    /// Receives 100 000 frames of 0 to 99 bytes (small ones live inside the `zmq_msg_t`, larger
    /// ones on the heap) into one reused `Message`, checking every byte. Run under ASAN/LSan or
    /// valgrind to check that nothing leaks or is freed twice.
    @Test func receiveIntoReusedMessageManyTimes() throws {
        let context = try Context()
        let (pull, push) = try pushPull(context)

        let total = 100_000
        let batch = 500
        var payload = [UInt8](repeating: 0, count: 100)
        let message = Message()
        var mismatches = 0
        var received = 0
        for start in stride(from: 0, to: total, by: batch) {
            for index in start..<(start + batch) {
                let count = index % 100
                for offset in 0..<count { payload[offset] = UInt8(truncatingIfNeeded: index &+ offset) }
                try payload.withUnsafeBytes { buffer in
                    _ = try push.send(UnsafeRawBufferPointer(rebasing: buffer.prefix(count)), more: false)
                }
            }
            for index in start..<(start + batch) {
                guard try pull.receive(into: message) else { break }
                received += 1
                let ok = message.withUnsafeBytes { buffer in
                    guard buffer.count == index % 100 else { return false }
                    for offset in 0..<buffer.count where buffer[offset] != UInt8(truncatingIfNeeded: index &+ offset) {
                        return false
                    }
                    return true
                }
                if !ok || message.more { mismatches += 1 }
            }
        }
        #expect(received == total)
        #expect(mismatches == 0)
        #expect(try pull.receive(into: message, dontWait: true) == false)
        #expect(message.count == 0)
    }

    @Test func moreFlagFollowsTheFrames() throws {
        let context = try Context()
        let (pull, push) = try pushPull(context)
        let big = [UInt8](repeating: 7, count: 4096)
        try push.send(multipart: [bytes("head"), big, bytes("tail")])

        let message = Message()
        #expect(try pull.receive(into: message))
        #expect(message.bytes == bytes("head"))
        #expect(message.more)
        #expect(try pull.receive(into: message))
        #expect(message.count == 4096)
        #expect(message.bytes == big)
        #expect(message.more)
        #expect(try pull.receive(into: message))
        #expect(message.bytes == bytes("tail"))
        #expect(!message.more)
        message.reset()
        #expect(message.count == 0)
        #expect(!message.more)
    }
}
