import Testing
import ZeroMQ

@Suite struct MultipartBatchTests {
    /// Every whole message waiting is taken, up to the capacity, and the rest are left for the
    /// next receive; each keeps its own frames and frame count.
    @Test func takesWhatIsWaitingUpToTheCapacity() throws {
        let context = try Context()
        let (pull, push) = try pushPull(context)
        for index in 0..<5 { try push.send(multipart: [bytes("topic"), bytes("body-\(index)")]) }
        try push.send(multipart: [bytes("end"), bytes("sync")])
        let batch = MultipartBatch(capacity: 4, framesPerMessage: 2)
        // The first receive waits for the first message; the rest are taken as they arrive.
        var received: [[UInt8]] = []
        while received.count < 6 {
            let count = try pull.receiveBatch(into: batch)
            #expect(count >= 1 && count <= 4)
            #expect(batch.count == count)
            for index in 0..<count {
                #expect(batch.frameCount(of: index) == 2)
                received.append(batch.withUnsafeBytes(ofFrame: 1, of: index) { Array($0) })
            }
        }
        #expect(received == (0..<5).map { bytes("body-\($0)") } + [bytes("sync")])
        #expect(try pull.receiveBatch(into: batch, dontWait: true) == 0)
        #expect(batch.count == 0)
    }

    /// A message longer than the batch keeps is drained whole and counted, and the message after
    /// it is intact; a frame the message did not have reads as empty, whatever the batch held.
    @Test func keepsTheFramesItCanAndCountsTheRest() throws {
        let context = try Context()
        let (pull, push) = try pushPull(context)
        try push.send(multipart: [bytes("a"), bytes("b")])
        try pull.setReceiveTimeout(2000)
        let batch = MultipartBatch(capacity: 8, framesPerMessage: 2)
        #expect(try pull.receiveBatch(into: batch) == 1)
        #expect(batch.withUnsafeBytes(ofFrame: 1, of: 0) { Array($0) } == bytes("b"))

        try push.send(multipart: (0..<7).map { bytes("frame-\($0)") })
        try push.send(multipart: [bytes("alone")])
        try push.send(multipart: [bytes("next"), bytes("message")])
        var taken: [(frames: Int, first: [UInt8], second: [UInt8], kept: Int)] = []
        while taken.count < 3 {
            let count = try pull.receiveBatch(into: batch)
            #expect(count >= 1)
            for index in 0..<count {
                taken.append((
                    batch.frameCount(of: index),
                    batch.withUnsafeBytes(ofFrame: 0, of: index) { Array($0) },
                    batch.withUnsafeBytes(ofFrame: 1, of: index) { Array($0) },
                    (0..<3).filter { batch.message(frame: $0, of: index) != nil }.count))
            }
        }
        #expect(taken.map(\.frames) == [7, 1, 2])
        #expect(taken.map(\.first) == [bytes("frame-0"), bytes("alone"), bytes("next")])
        // The one-frame message's second frame is empty, though its slot last held "b" or more.
        #expect(taken.map(\.second) == [bytes("frame-1"), [], bytes("message")])
        #expect(taken.map(\.kept) == [2, 1, 2])
        #expect(batch.frameCount(of: batch.count) == 0)
        #expect(batch.withUnsafeBytes(ofFrame: 0, of: -1) { $0.count } == 0)
    }

    /// With zero-copy receive over tcp the messages of a batch share libzmq's read buffers: all
    /// of them stay readable while the next ones arrive, until the batch is refilled.
    @Test func aBatchStaysReadableOverZeroCopyTCP() async throws {
        let context = try Context()
        try context.setReceivesWithoutCopy(true)
        let pull = try makeSocket(context, .pull)
        try pull.bind("tcp://127.0.0.1:*")
        let push = try makeSocket(context, .push)
        try push.connect(try pull.lastEndpoint)
        try pull.setReceiveTimeout(5000)
        let body = { (index: Int) in bytes(String(repeating: "x", count: 200) + "-\(index)") }
        for index in 0..<1000 { try push.send(multipart: [bytes("case.v1"), body(index)]) }
        // Time for the I/O thread to read them, so that batches take many at once.
        try await Task.sleep(for: .milliseconds(200))
        let batch = MultipartBatch(capacity: 32, framesPerMessage: 2)
        var next = 0
        var batches = 0
        while next < 1000 {
            let count = try pull.receiveBatch(into: batch)
            #expect(count >= 1)
            batches += 1
            // Read after the whole batch was received: each message still holds its own bytes.
            for index in 0..<count {
                #expect(batch.withUnsafeBytes(ofFrame: 1, of: index) { Array($0) } == body(next))
                next += 1
            }
        }
        #expect(next == 1000)
        #expect(batches < 1000)
    }

    /// A limit below the capacity takes no more than it says; the rest wait for the next receive.
    @Test func aLimitTakesNoMoreThanItSays() throws {
        let context = try Context()
        let (pull, push) = try pushPull(context)
        for index in 0..<3 { try push.send(multipart: [bytes("topic"), bytes("body-\(index)")]) }
        let batch = MultipartBatch(capacity: 8, framesPerMessage: 2)
        #expect(try pull.receiveBatch(into: batch, limit: 1) == 1)
        #expect(batch.withUnsafeBytes(ofFrame: 1, of: 0) { Array($0) } == bytes("body-0"))
        #expect(batch.frameCount(of: 1) == 0)
        var rest: [[UInt8]] = []
        while rest.count < 2 {
            let count = try pull.receiveBatch(into: batch)
            #expect(count >= 1)
            for index in 0..<count { rest.append(batch.withUnsafeBytes(ofFrame: 1, of: index) { Array($0) }) }
        }
        #expect(rest == [bytes("body-1"), bytes("body-2")])
    }

    @Test func aClosedSocketThrowsAndAnEmptyOneReturnsNothing() throws {
        let context = try Context()
        let (pull, _) = try pushPull(context)
        let batch = MultipartBatch(capacity: 0, framesPerMessage: 0)
        #expect(batch.capacity == 1 && batch.framesPerMessage == 1)
        #expect(try pull.receiveBatch(into: batch, dontWait: true) == 0)
        pull.close()
        #expect(throws: ZMQError.self) { try pull.receiveBatch(into: batch, dontWait: true) }
    }
}
