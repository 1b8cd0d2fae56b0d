import Foundation
import Synchronization
import ZeroMQ

/// The machine's and the transport's share of event-to-KVPUB latency: the same events at the same
/// steady rate through a relay that does no work — a SUB that receives each event and a PUB that
/// sends it straight on, on a thread and ZeroMQ context of their own, as the daemon's server
/// thread and its I/O thread are — to a SUB that timestamps each arrival.
///
/// The path has the daemon's hops but one (the daemon hands its updates to a publish thread) and
/// none of its work, so its percentiles are the floor of the latency rows, as the transport
/// ceiling is the roof of ingest: what this machine's scheduling and loopback TCP cost an event
/// that crosses the threads of three ZeroMQ contexts at this rate. Messages keep their order on
/// the one connection, so the relay's `n`-th message out is event `n`.
enum TransportLatency {
    /// Relays `count` events sent at `rate` per second from the sender to the receiver through a
    /// relay bound on loopback at `ingestPort` (its SUB) and `publishPort` (its PUB), or at ports
    /// the system picks where they are 0; the first `warmup` events are not counted.
    static func measure(rate: Double, count: Int, warmup: Int, ingestPort: Int, publishPort: Int) throws -> LatencyRun.Figures {
        let ingest = "tcp://127.0.0.1:" + (ingestPort == 0 ? "*" : String(ingestPort))
        let publish = "tcp://127.0.0.1:" + (publishPort == 0 ? "*" : String(publishPort))
        let times = LatencyTimes(count: count)
        struct State {
            var endpoints: (ingest: String, publish: String)?
            var subscribed = false
            var relaying = false
            var error: String?
        }
        let state = Mutex(State())
        let relayDone = DispatchSemaphore(value: 0)
        let receiverDone = DispatchSemaphore(value: 0)

        let relay = Thread {
            do {
                let context = try Context()
                let input = try LatencyRun.subscriber(context, topic: "")
                try input.bind(ingest)
                let output = try Socket(context, .xpub)
                try output.setSendHighWaterMark(0)
                try output.setLinger(0)
                try output.setReceiveTimeout(100)
                try output.bind(publish)
                let bound = (try input.lastEndpoint, try output.lastEndpoint)
                state.withLock { $0.endpoints = bound }
                // The receiver's subscription, before any event: an XPUB reports it.
                var waited = 0
                while try output.receiveMultipart() == nil {
                    waited += 1
                    if waited > 100 { throw BenchError("no subscriber on \(bound.1) within 10 s") }
                }
                state.withLock { $0.relaying = true }
                let frames = (0..<2).map { _ in Message() }
                var relayed = 0
                var idle = 0
                while relayed < count {
                    guard let parts = try input.receiveMultipart(into: frames) else {
                        idle += 1
                        if idle > 300 { throw BenchError("the relay received \(relayed) of \(count) events and no more for 30 s") }
                        continue
                    }
                    idle = 0
                    let last = min(parts, frames.count) - 1
                    for index in 0...last {
                        _ = try frames[index].withUnsafeBytes { bytes throws(ZMQError) in
                            try output.send(bytes, more: index < last)
                        }
                    }
                    relayed += 1
                }
                input.close()
                output.close()
                context.shutdown()
            } catch {
                state.withLock { $0.error = "relay: \(error)" }
            }
            relayDone.signal()
        }
        relay.name = "bench-relay"
        relay.start()
        while state.withLock({ $0.endpoints == nil && $0.error == nil }) { usleep(1_000) }
        guard let endpoints = state.withLock({ $0.endpoints }) else {
            relayDone.wait()
            throw BenchError("transport latency \(state.withLock { $0.error } ?? "relay: not bound")")
        }

        let receiver = Thread {
            do {
                let context = try Context()
                let socket = try LatencyRun.subscriber(context, topic: "")
                try socket.connect(endpoints.publish)
                state.withLock { $0.subscribed = true }
                let frames = (0..<2).map { _ in Message() }
                var received = 0
                var idle = 0
                while received < count {
                    guard try socket.receiveMultipart(into: frames) != nil else {
                        idle += 1
                        if idle > 300 { break }  // 30 s without an event: reported as missing
                        continue
                    }
                    idle = 0
                    times.received[received] = MonotonicClock.nanoseconds()
                    received += 1
                }
                socket.close()
                context.shutdown()
            } catch {
                state.withLock { $0.error = "receiver: \(error)" }
            }
            receiverDone.signal()
        }
        receiver.name = "bench-relay-sub"
        receiver.start()
        while !state.withLock({ ($0.relaying && $0.subscribed) || $0.error != nil }) { usleep(1_000) }
        if let error = state.withLock({ $0.error }) {
            receiverDone.wait()
            relayDone.wait()
            throw BenchError("transport latency \(error)")
        }
        let context = try Context()
        let sender = try BenchSender(context: context, endpoint: endpoints.ingest, feed: BenchEventFeed(eventsPerCase: 1))
        try sender.waitForSubscriber(timeout: .seconds(10))
        try sender.send(0..<count, rate: rate, sendTimes: times.sent)
        receiverDone.wait()
        relayDone.wait()
        sender.close()
        if let error = state.withLock({ $0.error }) { throw BenchError("transport latency \(error)") }
        let (figures, missing) = LatencyRun.figures(times, sent: count, warmup: warmup, rate: rate)
        if missing > 0 { throw BenchError("\(missing) events at \(Int(rate))/s never came out of the relay") }
        return figures
    }
}
