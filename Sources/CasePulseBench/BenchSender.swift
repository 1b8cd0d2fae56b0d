import Foundation
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// The benchmark's producer: an XPUB with `ZMQ_XPUB_NODROP` connected to a SUB bind, sending
/// `["case.v1", body]` with blocking sends, so nothing is dropped and a slow receiver slows it
/// down instead. Used unchanged for the ceiling and for the daemon.
final class BenchSender {
    private let socket: Socket
    private let topic = Array("case.v1".utf8)
    /// The feed the bodies come from.
    var feed: BenchEventFeed

    /// Connects to `endpoint`; ``waitForSubscriber(timeout:)`` before sending.
    init(context: Context, endpoint: String, feed: BenchEventFeed) throws {
        self.feed = feed
        socket = try Socket(context, .xpub)
        try socket.setSendHighWaterMark(10_000)
        try socket.setXPubNoDrop(true)
        try socket.setLinger(-1)
        try socket.connect(endpoint)
    }

    /// Waits for the receiver's subscription (slow-joiner guard).
    func waitForSubscriber(timeout: Duration) throws {
        try socket.setReceiveTimeout(50)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let frames = try socket.receiveMultipart(), frames.first?.first == 1 { return }
        }
        throw BenchError("no subscription from the receiver within \(timeout)")
    }

    /// Sends events `range` as fast as the transport takes them.
    func send(_ range: Range<Int>) throws {
        for index in range { try sendOne(index) }
    }

    /// Sends events `range` at `rate` per second, writing each event's send time (nanoseconds of
    /// the monotonic clock) to `sendTimes[index - range.lowerBound]`.
    func send(_ range: Range<Int>, rate: Double, sendTimes: UnsafeMutableBufferPointer<UInt64>) throws {
        let period = 1e9 / rate
        let start = MonotonicClock.nanoseconds()
        var next = range.lowerBound
        while next < range.upperBound {
            let now = MonotonicClock.nanoseconds()
            let due = min(range.upperBound, range.lowerBound + Int(Double(now - start) / period) + 1)
            while next < due {
                try sendOne(next)
                sendTimes[next - range.lowerBound] = MonotonicClock.nanoseconds()
                next += 1
            }
            if next < range.upperBound {
                let wake = start + UInt64(Double(next - range.lowerBound) * period)
                let current = MonotonicClock.nanoseconds()
                // Sleep, never spin: on a small machine a spinning sender takes the core the daemon
                // needs. A late wake-up sends the events that fell due together; each event's
                // latency is measured from its own send.
                if wake > current { MonotonicClock.sleep(nanoseconds: wake - current) }
            }
        }
    }

    private func sendOne(_ index: Int) throws {
        try topic.withUnsafeBytes { topic in
            try feed.withBody(index) { body in
                while try !socket.send(topic, more: true) {}
                while try !socket.send(body) {}
            }
        }
    }

    /// Closes the socket; the context's termination waits for queued messages to leave.
    func close() { socket.close() }
}
