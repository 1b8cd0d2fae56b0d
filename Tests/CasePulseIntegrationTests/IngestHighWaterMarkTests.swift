import Foundation
import Testing
import ZeroMQ

/// `--ingest-hwm` on the real daemon's two ingest sockets (casepulsed(8), PROTOCOL.md §2.1): while
/// the server loop cannot read — here wedged by the test hook, as a long stall would — libzmq
/// queues at most that many messages per connection for it; beyond them (and what the sender's
/// own queue and the kernel's socket buffers hold) a best-effort producer's PUB drops and a
/// reliable producer's DEALER blocks. With a high-water mark far above the burst nothing is held
/// back. The same burst, the same sender; only the daemon's flag differs: a flag that did not
/// reach the sockets (libzmq's default of 1,000) fails at 5,000 and 1,000,000, one ignored at 100
/// and 5,000.
@Suite struct IngestHighWaterMarkTests {
    /// Events in the burst: far more than a small high-water mark, the sender's queue of
    /// ``senderQueue`` and the 200-odd KiB of a Unix socket's buffer hold, far fewer than a large one.
    static let burst = 20_000
    /// The sender's own high-water mark.
    static let senderQueue: Int32 = 2_000
    /// How long the loop is wedged: the burst is sent within it.
    static let wedgeMilliseconds = 3_000

    /// A daemon with `--ingest-hwm` at `highWaterMark` and the test hooks on: SIGUSR1 wedges its
    /// loop for ``wedgeMilliseconds`` (``wedge(_:)``).
    static func daemon(highWaterMark: Int) throws -> DaemonProcess {
        try DaemonProcess(
            arguments: ["--ingest-hwm", "\(highWaterMark)"],
            environment: ["CASEPULSE_TEST_HOOKS": "1", "CASEPULSE_TEST_WEDGE_MS": "\(wedgeMilliseconds)"])
    }

    /// Wedges `daemon`'s loop and waits until it says so.
    static func wedge(_ daemon: DaemonProcess) throws {
        kill(daemon.process.processIdentifier, SIGUSR1)
        let deadline = ContinuousClock.now + .seconds(10)
        while !daemon.log.contains("test hook: wedging the server loop"), ContinuousClock.now < deadline { usleep(10_000) }
        #expect(daemon.log.contains("test hook: wedging the server loop"), "log: \(daemon.log)")
    }

    /// The burst's events, one new case each.
    static func events(_ prefix: String) -> [[[UInt8]]] {
        (0..<burst).map { [Array("case.v1".utf8), Array(Filing.event("\(prefix)-\($0)", producer: "hwm-app").json.utf8)] }
    }

    /// How many of the burst a daemon whose high-water mark is `highWaterMark` can take while
    /// wedged: its own queue, and at most the sender's and some 500 KB of socket buffers more.
    /// (Seen here: 2,000 at 100 and 7,000 at 5,000 — the daemon's default of 10,000 or libzmq's of
    /// 1,000 would be outside one range or the other.)
    static func held(_ highWaterMark: Int) -> ClosedRange<Int> {
        highWaterMark...(highWaterMark + Int(senderQueue) + 2_000)
    }

    /// Polls `/sys/ingest` `counter` until it has not moved for a second (or reaches `limit`).
    static func settled(_ counter: String, _ daemon: DaemonProcess, limit: Int) throws -> Int {
        let deadline = ContinuousClock.now + .seconds(60)
        var last = -1
        var value = try daemon.ingestCounter(counter)
        while value != last, value < limit, ContinuousClock.now < deadline {
            last = value
            usleep(1_000_000)
            value = try daemon.ingestCounter(counter)
        }
        return value
    }

    /// Best effort: the burst sent during the wedge reaches the daemon whole with a high-water mark
    /// above it; with one of 100 the PUB drops most of it (it never blocks).
    @Test(arguments: [100, 5_000, 1_000_000])
    func aBestEffortBurstIsDroppedBeyondTheHighWaterMark(highWaterMark: Int) throws {
        let daemon = try Self.daemon(highWaterMark: highWaterMark)
        defer { daemon.terminate() }
        let context = try Context()
        let publisher = try Socket(context, .xpub)
        defer { publisher.close(linger: 0) }
        try publisher.setSendHighWaterMark(Self.senderQueue)
        try publisher.setReceiveTimeout(10_000)
        try publisher.connect(daemon.ingest)
        guard try publisher.receiveMultipart() != nil else { throw DaemonError("the daemon did not subscribe") }
        try Self.wedge(daemon)
        let started = ContinuousClock.now
        for (index, event) in Self.events("b").enumerated() {
            // 100 at a time, a pause after each: the daemon's I/O thread keeps up (at 40,000 a
            // second at most), so only the limit of its queue for the loop can drop events.
            if index % 100 == 99 { usleep(2_500) }
            #expect(try publisher.send(multipart: event), "a PUB never blocks")
        }
        let sending = ContinuousClock.now - started
        #expect(sending < .milliseconds(Self.wedgeMilliseconds), "the burst outlasted the wedge")
        let received = try Self.settled("received", daemon, limit: Self.burst)
        if highWaterMark < Self.burst {
            #expect(Self.held(highWaterMark).contains(received), "\(received) of \(Self.burst) received at a high-water mark of \(highWaterMark)")
        } else {
            #expect(received == Self.burst)
        }
        #expect(try daemon.ingestCounter("accepted") == received)
    }

    /// Reliable: the DEALER's sends stop (time out) once the daemon's queue, its own and the socket
    /// buffer are full, and every event it did send is accepted once the loop reads again; with a
    /// high-water mark above the burst the whole burst goes.
    @Test(arguments: [100, 5_000, 1_000_000])
    func aReliableProducerBlocksAtTheHighWaterMarkAndLosesNothing(highWaterMark: Int) throws {
        let daemon = try Self.daemon(highWaterMark: highWaterMark)
        defer { daemon.terminate() }
        let context = try Context()
        let dealer = try Socket(context, .dealer)
        defer { dealer.close(linger: 0) }
        try dealer.setSendHighWaterMark(Self.senderQueue)
        try dealer.setSendTimeout(200)
        try dealer.setReceiveTimeout(10_000)
        try dealer.connect(daemon.reliable)
        // Connected before the wedge: one event sent and acknowledged.
        #expect(try dealer.send(multipart: Self.events("warm")[0]))
        #expect(try dealer.receiveMultipart()?.prefix(2).map { String(decoding: $0, as: UTF8.self) } == ["ACK", "warm-0"])
        try Self.wedge(daemon)
        var sent = 0
        for event in Self.events("r") {
            guard try dealer.send(multipart: event) else { break }
            sent += 1
        }
        if highWaterMark < Self.burst {
            #expect(Self.held(highWaterMark).contains(sent), "\(sent) of \(Self.burst) sent at a high-water mark of \(highWaterMark)")
        } else {
            #expect(sent == Self.burst)
        }
        #expect(try Self.settled("accepted", daemon, limit: sent + 1) == sent + 1, "the warm-up and every event sent")
    }
}
