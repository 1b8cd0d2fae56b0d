import Foundation
import Histogram
import Synchronization
import ZeroMQ

/// Event-to-KVPUB latency: events sent at a steady rate, each a new case's filing; a SUB on the
/// daemon's updates reads `/m/all/@all`, whose `filed` count says how many of them the update
/// covers (one producer, in order). An event's latency is the arrival of the first update that
/// covers it minus the moment it was handed to ZeroMQ.
enum LatencyRun {
    /// Latency percentiles in microseconds.
    struct Figures: Sendable {
        var rate: Double
        /// Events sent, the warm-up included.
        var sent: Int
        /// Events counted (after the warm-up).
        var events: Int
        var p50: Double
        var p99: Double
        var p999: Double
        var max: Double
    }

    /// Runs `count` events at `rate`/s through `daemon` (started with `--publish-interval 0`),
    /// numbering cases from `caseOffset`; the first `warmup` events are not counted.
    static func measure(daemon: DaemonProcess, rate: Double, count: Int, warmup: Int, caseOffset: Int) throws -> Figures {
        let context = try Context()
        let probe = try SnapshotProbe(context: context, endpoint: daemon.snapshot)
        guard let all = try probe.fetch("/m/all/@all", timeout: .seconds(30)) else {
            throw BenchError("the daemon did not answer a snapshot")
        }
        let baseline = all["/m/all/@all"].flatMap { SnapshotProbe.integer(named: "filed", in: $0) } ?? 0
        let times = LatencyTimes(count: count)
        let state = Mutex<(subscribed: Bool, error: String?)>((false, nil))
        let done = DispatchSemaphore(value: 0)
        let endpoint = daemon.publish
        let thread = Thread {
            do {
                let context = try Context()
                let socket = try subscriber(context, topic: "/m/all/@all")
                try socket.connect(endpoint)
                usleep(300_000)  // let the subscription reach the daemon (slow joiner)
                state.withLock { $0.subscribed = true }
                let frames = (0..<5).map { _ in Message() }
                var covered = 0
                var idle = 0
                while covered < count {
                    guard let parts = try socket.receiveMultipart(into: frames) else {
                        idle += 1
                        if idle > 300 { break }  // 30 s without an update
                        continue
                    }
                    idle = 0
                    let arrived = MonotonicClock.nanoseconds()
                    guard parts == 5 else { continue }
                    let filed = frames[4].withUnsafeBytes { SnapshotProbe.integer(named: "filed", in: String(decoding: $0, as: UTF8.self)) } ?? 0
                    let upTo = min(count, filed - baseline)
                    while covered < upTo {
                        times.received[covered] = arrived
                        covered += 1
                    }
                }
                socket.close()
                context.shutdown()
            } catch {
                state.withLock { $0.error = "\(error)" }
            }
            state.withLock { $0.subscribed = true }
            done.signal()
        }
        thread.name = "bench-latency-sub"
        thread.start()
        while !state.withLock({ $0.subscribed }) { usleep(1_000) }
        let sender = try BenchSender(context: context, endpoint: daemon.ingest, feed: BenchEventFeed(eventsPerCase: 1, caseOffset: caseOffset))
        try sender.waitForSubscriber(timeout: .seconds(10))
        try sender.send(0..<count, rate: rate, sendTimes: times.sent)
        done.wait()
        sender.close()
        if let error = state.withLock({ $0.error }) { throw BenchError("latency subscriber: \(error)") }
        let (figures, missing) = figures(times, sent: count, warmup: warmup, rate: rate)
        if missing > 0 { throw BenchError("\(missing) events at \(Int(rate))/s never showed in an update") }
        return figures
    }

    /// The percentiles of the events of `times` from `warmup` on (of `sent`, sent at `rate`), and
    /// how many of them never arrived.
    static func figures(_ times: LatencyTimes, sent: Int, warmup: Int, rate: Double) -> (Figures, missing: Int) {
        var histogram = histogram()
        var missing = 0
        for index in warmup..<sent {
            let received = times.received[index]
            if received == 0 { missing += 1; continue }
            histogram.record(received > times.sent[index] ? received - times.sent[index] : 0)
        }
        return (figures(histogram, rate: rate, sent: sent), missing)
    }

    /// A SUB for the receiving end of a latency run, subscribed to `topic`: no high-water mark
    /// (no event is dropped while it is timed), no linger, and receives that give up after 100 ms
    /// so that its loop can notice a run that stalled.
    static func subscriber(_ context: Context, topic: String) throws -> Socket {
        let socket = try Socket(context, .sub)
        try socket.setReceiveHighWaterMark(0)
        try socket.subscribe(topic)
        try socket.setLinger(0)
        try socket.setReceiveTimeout(100)
        return socket
    }

    /// An empty histogram of latencies in nanoseconds, up to a minute, three significant digits.
    static func histogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    }

    /// The percentiles of `histogram` (nanoseconds) for a run of `sent` events at `rate`.
    static func figures(_ histogram: Histogram<UInt64>, rate: Double, sent: Int) -> Figures {
        func micros(_ value: UInt64) -> Double { Double(value) / 1000 }
        return Figures(
            rate: rate, sent: sent, events: Int(histogram.totalCount), p50: micros(histogram.valueAtPercentile(50)),
            p99: micros(histogram.valueAtPercentile(99)), p999: micros(histogram.valueAtPercentile(99.9)),
            max: micros(histogram.max))
    }
}
