import Testing
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

@Suite struct PollerTests {
    @Test func readableDetectionWithTimeout() throws {
        let context = try Context()
        let (pull, push) = try pushPull(context)

        let poller = Poller([PollItem(socket: pull, events: .readable)])
        let pushIndex = poller.add(PollItem(socket: push, events: .writable))
        #expect(poller.count == 2)

        poller.setEvents(.readable, at: pushIndex)  // a PUSH is never readable
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try poller.poll(timeoutMilliseconds: 100) == 0)
        #expect(clock.now - start >= .milliseconds(90))
        #expect(!poller.isReadable(0))

        poller.setEvents(.writable, at: pushIndex)
        #expect(try poller.poll(timeoutMilliseconds: 0) == 1)
        #expect(poller.isWritable(pushIndex))
        #expect(!poller.isReadable(0))

        poller.setEvents([], at: pushIndex)
        try push.send("wake up")
        #expect(try poller.poll(timeoutMilliseconds: 2_000) == 1)
        #expect(poller.isReadable(0))
        #expect(poller.returnedEvents(0) == .readable)
        #expect(try pull.receiveMultipart() == [bytes("wake up")])
        #expect(try poller.poll(timeoutMilliseconds: 0) == 0)
    }

    @Test func plainFileDescriptorItems() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        let poller = Poller([PollItem(fileDescriptor: fds[0], events: .readable)])
        #expect(try poller.poll(timeoutMilliseconds: 0) == 0)
        var byte: UInt8 = 1
        #expect(write(fds[1], &byte, 1) == 1)
        #expect(try poller.poll(timeoutMilliseconds: 1_000) == 1)
        #expect(poller.isReadable(0))
    }

    @Test func closedSocketInThePollerThrows() throws {
        let context = try Context()
        let pull = try makeSocket(context, .pull)
        let poller = Poller([PollItem(socket: pull, events: .readable)])
        pull.close()
        do {
            _ = try poller.poll(timeoutMilliseconds: 0)
            Issue.record("poll with a closed socket succeeded")
        } catch {
            #expect(error.errno == ENOTSOCK)
        }
    }
}
