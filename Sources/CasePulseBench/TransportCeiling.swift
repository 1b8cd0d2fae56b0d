import Foundation
import Synchronization
import ZeroMQ

/// The transport's own ceiling: the benchmark's messages from ``BenchSender`` to a bare SUB that
/// only counts them, over tcp loopback. The SUB has its own ZeroMQ context (its own I/O thread)
/// and its own thread, as the daemon would, and the daemon's receive high-water mark.
enum TransportCeiling {
    /// The receive high-water mark of the bare SUB, and the `--ingest-hwm` the bench gives the
    /// daemon: casepulsed's default. (It was 1,000,000 here while the daemon's was 10,000: the
    /// bare SUB then queued up to a million messages, and two benches' medians of three were
    /// 1.07M and 1.56M msg/s, against 2.80M and 2.09M at 10,000 in the same session.)
    static let receiveHighWaterMark: Int32 = 10_000

    /// How many times `casepulse bench` measures the ceiling; the report takes the median.
    static let runs = 3

    /// The median of `values` (the mean of the middle two for an even count); 0 for none.
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Sends `count` events and returns messages per second, first send to last receive.
    static func measure(count: Int, port: Int, feed: BenchEventFeed) throws -> Double {
        let endpoint = "tcp://127.0.0.1:\(port)"
        let state = Mutex<(bound: Bool, finished: ContinuousClock.Instant?, error: String?)>((false, nil, nil))
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            do {
                let context = try Context()
                let socket = try Socket(context, .sub)
                try socket.setReceiveHighWaterMark(receiveHighWaterMark)
                try socket.subscribe("")
                try socket.setLinger(0)
                try socket.bind(endpoint)
                state.withLock { $0.bound = true }
                let frame = Message()
                var received = 0
                while received < count {
                    _ = try socket.receive(into: frame)
                    if !frame.more { received += 1 }
                }
                state.withLock { $0.finished = .now }
                socket.close()
                context.shutdown()
            } catch {
                state.withLock { $0.error = "\(error)" }
            }
            done.signal()
        }
        thread.name = "bench-ceiling-sub"
        thread.start()
        while !state.withLock({ $0.bound || $0.error != nil }) { usleep(1_000) }
        if let error = state.withLock({ $0.error }) { throw BenchError("ceiling receiver: \(error)") }
        let context = try Context()
        let sender = try BenchSender(context: context, endpoint: endpoint, feed: feed)
        try sender.waitForSubscriber(timeout: .seconds(10))
        let started = ContinuousClock.now
        try sender.send(0..<count)
        done.wait()
        sender.close()
        let outcome = state.withLock { $0 }
        if let error = outcome.error { throw BenchError("ceiling receiver: \(error)") }
        guard let finished = outcome.finished else { throw BenchError("ceiling receiver ended early") }
        return Double(count) / (finished - started).seconds
    }
}

extension Duration {
    /// The duration in seconds as a double.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
