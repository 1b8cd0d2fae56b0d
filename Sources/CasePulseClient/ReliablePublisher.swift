import CasePulseCore
import CasePulseWire
import ZeroMQ

/// Acknowledged ingest: a DEALER connected to the daemon's reliable ROUTER (`casepulsed
/// --reliable`) sends `["case.v1", json]` and receives `["ACK", id]` or
/// `["NACK", id, reason, detail]` per event (no empty delimiter frames).
///
/// At most ``window`` events are in flight; replies are matched by id. An event not answered
/// within ``retryInterval`` is sent again (the daemon ACKs a redelivery again and counts it as a
/// duplicate, so this is safe), up to ``maxAttempts`` times in all. If the daemon sends no reply at
/// all for ``replyTimeout`` while events are in flight, ``send(_:progress:)`` fails with
/// ``CasePulseClientError/noReply(endpoint:timeout:report:)``.
///
/// A NACK whose id the publisher does not know (the daemon could not read one: the caller then
/// named the event itself) is matched to the oldest such event in flight; the daemon answers a
/// connection's messages in order, so this is exact.
///
/// Not thread-safe and not `Sendable`: use it on one thread.
public final class ReliablePublisher {
    /// The endpoint connected to.
    public let endpoint: String
    /// The most events in flight.
    public let window: Int
    /// How long an event waits for its reply before it is sent again.
    public let retryInterval: Duration
    /// How many times an event is sent at most before it is given up on.
    public let maxAttempts: Int
    /// How long the daemon may stay silent while events are in flight.
    public let replyTimeout: Duration
    /// The most events sent per second (first transmissions), `nil` for no limit.
    public var rate: Double?

    private let socket: Socket
    private let poller: Poller
    /// The socket's handshakes, read while events are sent.
    private let handshakes: SocketMonitor
    /// Whether the client runs CURVE.
    private let curve: Bool
    private let topicFrame = Array(IngestMessage.topic.utf8)

    /// Connects to the daemon's reliable ingest endpoint.
    ///
    /// - Parameters:
    ///   - context: The ZeroMQ context.
    ///   - endpoint: The daemon's reliable ROUTER, e.g. `tcp://127.0.0.1:7603`.
    ///   - window: The most events in flight (at least 1).
    ///   - retryInterval: How long an event waits for its reply before it is sent again.
    ///   - maxAttempts: How many times an event is sent at most (at least 1).
    ///   - replyTimeout: How long the daemon may stay silent while events are in flight.
    ///   - rate: The most events sent per second, `nil` for no limit.
    ///   - curve: Client keys for a daemon running CURVE; `nil` connects in the clear.
    /// - Throws: ``CasePulseClientError/zeroMQ(action:error:)`` for a bad endpoint.
    public init(
        context: Context, endpoint: String, window: Int = 1000, retryInterval: Duration = .seconds(3),
        maxAttempts: Int = 10, replyTimeout: Duration = .seconds(30), rate: Double? = nil,
        curve: CurveClientKeys? = nil
    ) throws(CasePulseClientError) {
        self.endpoint = endpoint
        self.window = max(1, window)
        self.retryInterval = retryInterval
        self.maxAttempts = max(1, maxAttempts)
        self.replyTimeout = replyTimeout
        self.rate = rate
        do {
            socket = try Socket(context, .dealer)
            // The window bounds what is queued; retransmissions must never be refused.
            try socket.setSendHighWaterMark(0)
            try socket.setReceiveHighWaterMark(0)
            try socket.setLinger(0)
            try curve?.apply(to: socket)
            handshakes = try SocketMonitor(socket, events: HandshakeFailures.events)
            try socket.connect(endpoint)
        } catch {
            throw .zeroMQ(action: "cannot connect to \(endpoint)", error: error)
        }
        self.curve = curve != nil
        poller = Poller([PollItem(socket: socket, events: .readable), PollItem(socket: handshakes.receiver, events: .readable)])
    }

    /// Closes the connection (nothing is outstanding once ``send(_:progress:)`` has returned).
    public func close() {
        handshakes.close()
        socket.close(linger: 0)
    }

    /// Sends events and waits until each is ACKed, NACKed or given up on.
    ///
    /// - Parameters:
    ///   - events: The events in canonical JSON form (``CaseEvent/jsonLine``).
    ///   - progress: Called with the report so far, at most ten times a second, and once at the end.
    /// - Returns: The report.
    /// - Throws: ``CasePulseClientError``: `noReply` or `zeroMQ`.
    public func send(
        events: some Sequence<CaseEvent>, progress: ((ReliableReport) -> Void)? = nil
    ) throws(CasePulseClientError) -> ReliableReport {
        try send(events.lazy.map { (id: $0.id, json: $0.jsonLine) }, progress: progress)
    }

    /// Sends JSON events and waits until each is ACKed, NACKed or given up on.
    ///
    /// - Parameters:
    ///   - lines: Each event's id and JSON text. The id is the one in the JSON when there is one,
    ///     else any name unique among the events (e.g. `line 17`) for matching the daemon's NACK.
    ///     Two events with the same id are never in flight together.
    ///   - progress: Called with the report so far, at most ten times a second, and once at the end.
    /// - Returns: The report: accepted and NACKed counts, every NACK, events given up on.
    /// - Throws: ``CasePulseClientError/noReply(endpoint:timeout:report:)`` when the daemon stays
    ///   silent for ``replyTimeout``; ``CasePulseClientError/handshakeFailed(endpoint:evidence:)``
    ///   once the handshakes have failed for 2 s (``HashmapClient/defaultKeyRefusalGrace``) before
    ///   the daemon's ZAP handler had a say — a `--server-key` that is not the daemon's, or CURVE
    ///   on one side only; ``CasePulseClientError/zeroMQ(action:error:)``.
    public func send(
        _ lines: some Sequence<(id: String, json: String)>, progress: ((ReliableReport) -> Void)? = nil
    ) throws(CasePulseClientError) -> ReliableReport {
        var run = ReliableRun(window: window)
        var failures = HandshakeFailures(grace: HashmapClient.defaultKeyRefusalGrace, curve: curve)
        var iterator = lines.makeIterator()
        var held: (id: String, json: String)?
        var exhausted = false
        var lastActivity = ContinuousClock.now
        var nextSend = ContinuousClock.now
        var lastProgress = ContinuousClock.now
        let spacing: Duration? = rate.flatMap { $0 > 0 ? .nanoseconds(Int64(min(1e9 / $0, 3.6e12))) : nil }

        while true {
            // Fill the window.
            while !exhausted, run.flights.count < window {
                let now = ContinuousClock.now
                if spacing != nil, now < nextSend { break }
                guard let line = held ?? iterator.next() else {
                    exhausted = true
                    break
                }
                held = nil
                if run.flights[line.id] != nil {
                    held = line  // Same id still in flight: wait for its reply first.
                    break
                }
                if run.flights.isEmpty { lastActivity = now }
                let anonymous = !(1...128).contains(line.id.unicodeScalars.count) || !line.json.contains(JSONText.quoted(line.id))
                let flight = run.add(id: line.id, body: Array(line.json.utf8), anonymous: anonymous, now: now)
                try transmit(flight)
                run.report.sent += 1
                if let spacing { nextSend = max(nextSend + spacing, now - .milliseconds(100)) }
            }
            if exhausted, held == nil, run.flights.isEmpty { break }

            // Wait for replies until the next retransmission, send slot or progress tick.
            var wake = ContinuousClock.now + .milliseconds(100)
            if let due = run.nextRetry(after: retryInterval) { wake = min(wake, due) }
            if spacing != nil, !exhausted, run.flights.count < window, held == nil { wake = min(wake, nextSend) }
            let ready: Int
            do { ready = try poller.poll(timeoutMilliseconds: Duration.milliseconds(until: wake)) } catch {
                throw .zeroMQ(action: "cannot receive from \(endpoint)", error: error)
            }
            if ready > 0 {
                var handled = 0
                while handled < 10_000 {
                    let reply: [[UInt8]]?
                    do { reply = try socket.receiveMultipart(dontWait: true) } catch {
                        throw .zeroMQ(action: "cannot receive from \(endpoint)", error: error)
                    }
                    guard let reply else { break }
                    run.handle(reply: reply)
                    handled += 1
                }
                if handled > 0 { lastActivity = .now }
                do { try failures.follow(handshakes) } catch {
                    throw .zeroMQ(action: "cannot follow the handshakes with \(endpoint)", error: error)
                }
            }
            if failures.isFatal() { throw failures.error(endpoint: endpoint) }

            // Retransmit what waited too long; give up after the last attempt.
            let now = ContinuousClock.now
            while let flight = run.popDue(before: now - retryInterval) {
                if flight.attempts >= maxAttempts {
                    run.giveUp(flight)
                } else {
                    let again = run.resend(flight, now: now)
                    try transmit(again)
                    run.report.retransmitted += 1
                }
            }
            if !run.flights.isEmpty, now - lastActivity > replyTimeout {
                run.report.inFlight = run.flights.count
                throw .noReply(endpoint: endpoint, timeout: replyTimeout, report: run.report)
            }
            if let progress, now - lastProgress >= .milliseconds(100) {
                lastProgress = now
                run.report.inFlight = run.flights.count
                progress(run.report)
            }
        }
        run.report.inFlight = 0
        progress?(run.report)
        return run.report
    }

    private func transmit(_ flight: ReliableRun.Flight) throws(CasePulseClientError) {
        do {
            // Unlimited HWM: never refused; a message lost with a dead connection is retransmitted.
            _ = try socket.send(multipart: [topicFrame, flight.body], dontWait: true)
        } catch {
            throw .zeroMQ(action: "cannot send to \(endpoint)", error: error)
        }
    }
}
