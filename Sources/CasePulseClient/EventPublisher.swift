import CasePulseCore
import CasePulseWire
import ZeroMQ

/// Best-effort ingest: sends `["case.v1", json]` messages from an XPUB socket connected to the
/// daemon's ingest SUB bind (`casepulsed --ingest`).
///
/// Two measures keep a publisher from losing events silently:
/// - **Slow joiner.** A PUB drops what it sends before the subscriber's subscription has arrived.
///   The XPUB sees that subscription (a frame starting with `0x01`), so the first send waits for it
///   (up to ``subscriptionTimeout``) and fails with ``CasePulseClientError/noSubscriber(endpoint:timeout:)``
///   if none comes.
/// - **Back-pressure.** `ZMQ_XPUB_NODROP` with a bounded send high-water mark makes a fast
///   publisher wait while the daemon catches up, instead of dropping; a send that cannot leave for
///   ``stallTimeout`` fails with ``CasePulseClientError/sendStalled(endpoint:timeout:)``.
///
/// Call ``close(linger:)`` when done: queued events keep leaving for up to the linger period, and
/// releasing the last reference to the ``Context`` waits for them (`zmq_ctx_term`). This is as far
/// as best effort goes: libzmq cannot report when its queue is empty, and if the daemon has stopped
/// reading when the socket closes, the batch (up to about 8 KB) its I/O thread has already taken
/// from the queue is lost. Use ``ReliablePublisher`` when every event must be confirmed.
///
/// Not thread-safe and not `Sendable`: use it on one thread.
public final class EventPublisher {
    /// The topic frame of every message.
    public static let topic = IngestMessage.topic

    /// The endpoint connected to.
    public let endpoint: String
    /// How long the first send waits for the daemon's subscription.
    public let subscriptionTimeout: Duration
    /// How long one event may wait for room in the queue before the send fails.
    public let stallTimeout: Duration
    /// Events handed to ZeroMQ so far.
    public private(set) var sent = 0
    /// Whether the daemon's subscription has been seen.
    public private(set) var isSubscribed = false

    private let socket: Socket
    private let poller: Poller
    /// The socket's handshakes, read until the subscription arrives.
    private let handshakes: SocketMonitor
    /// Handshakes that failed before the daemon's ZAP handler had a say.
    private var failures: HandshakeFailures
    private let topicFrame = Array(IngestMessage.topic.utf8)

    /// Connects to the daemon's ingest endpoint.
    ///
    /// - Parameters:
    ///   - context: The ZeroMQ context.
    ///   - endpoint: The daemon's ingest SUB bind, e.g. `tcp://127.0.0.1:7602`.
    ///   - sendHighWaterMark: The most events queued for the daemon before sends wait.
    ///   - subscriptionTimeout: How long the first send waits for the daemon's subscription.
    ///   - stallTimeout: How long a send may wait for room before it fails.
    ///   - curve: Client keys for a daemon running CURVE; `nil` connects in the clear.
    /// - Throws: ``CasePulseClientError/zeroMQ(action:error:)`` for a bad endpoint.
    public init(
        context: Context, endpoint: String, sendHighWaterMark: Int32 = 10_000,
        subscriptionTimeout: Duration = .seconds(5), stallTimeout: Duration = .seconds(60),
        curve: CurveClientKeys? = nil
    ) throws(CasePulseClientError) {
        self.endpoint = endpoint
        self.subscriptionTimeout = subscriptionTimeout
        self.stallTimeout = stallTimeout
        do {
            socket = try Socket(context, .xpub)
            try socket.setSendHighWaterMark(max(1, sendHighWaterMark))
            try socket.setXPubNoDrop(true)
            try socket.setLinger(0)
            // Short slices, so a stalled send is noticed and reported.
            try socket.setSendTimeout(100)
            try curve?.apply(to: socket)
            handshakes = try SocketMonitor(socket, events: HandshakeFailures.events)
            try socket.connect(endpoint)
        } catch {
            throw .zeroMQ(action: "cannot connect to \(endpoint)", error: error)
        }
        failures = HandshakeFailures(grace: HashmapClient.defaultKeyRefusalGrace, curve: curve != nil)
        poller = Poller([PollItem(socket: socket, events: .readable), PollItem(socket: handshakes.receiver, events: .readable)])
    }

    /// Waits until the daemon's subscription to `case.v1` has arrived; later calls return at once.
    ///
    /// - Parameter timeout: The longest wait; ``subscriptionTimeout`` when `nil`.
    /// - Throws: ``CasePulseClientError/noSubscriber(endpoint:timeout:)`` on timeout;
    ///   ``CasePulseClientError/handshakeFailed(endpoint:evidence:)`` once the handshakes have
    ///   failed for 2 s (``HashmapClient/defaultKeyRefusalGrace``) before the daemon's ZAP
    ///   handler had a say — a `--server-key` that is not the daemon's, or CURVE on one side only
    ///   — or until the timeout, when that comes first.
    public func waitForSubscriber(timeout: Duration? = nil) throws(CasePulseClientError) {
        if isSubscribed { return }
        let timeout = timeout ?? subscriptionTimeout
        let deadline = ContinuousClock.now + timeout
        while true {
            drainSubscriptions()
            if isSubscribed {
                // Nobody reads the handshakes from now on: the monitor stops.
                try? socket.stopMonitor()
                handshakes.close()
                return
            }
            do { try failures.follow(handshakes) } catch {
                throw .zeroMQ(action: "cannot follow the handshakes with \(endpoint)", error: error)
            }
            let now = ContinuousClock.now
            if failures.isFatal(at: now) || (now >= deadline && failures.isFailing) {
                throw failures.error(endpoint: endpoint, at: now)
            }
            let left = Duration.milliseconds(until: min(deadline, failures.deadline ?? deadline))
            if now >= deadline { throw .noSubscriber(endpoint: endpoint, timeout: timeout) }
            do { _ = try poller.poll(timeoutMilliseconds: left) } catch {
                throw .zeroMQ(action: "waiting for a subscriber on \(endpoint)", error: error)
            }
        }
    }

    /// Sends one event given as its JSON text, waiting for the subscription first and for room in
    /// the queue when it is full.
    ///
    /// - Parameter json: One JSON event object (not validated here; the daemon does).
    /// - Throws: ``CasePulseClientError``: `noSubscriber`, `sendStalled` or `zeroMQ`.
    public func send(json: String) throws(CasePulseClientError) {
        try send(body: Array(json.utf8))
    }

    /// Sends one event in its canonical JSON form (``CaseEvent/jsonLine``).
    ///
    /// - Parameter event: The event.
    /// - Throws: ``CasePulseClientError``: `noSubscriber`, `sendStalled` or `zeroMQ`.
    public func send(_ event: CaseEvent) throws(CasePulseClientError) {
        try send(body: Array(event.jsonLine.utf8))
    }

    /// Sends one message `[topic, body]` (`topic` defaults to `case.v1`); other topics are for
    /// testing the daemon's refusals.
    ///
    /// - Parameters:
    ///   - body: Frame 1.
    ///   - topic: Frame 0.
    /// - Throws: ``CasePulseClientError``: `noSubscriber`, `sendStalled` or `zeroMQ`.
    public func send(body: [UInt8], topic: [UInt8]? = nil) throws(CasePulseClientError) {
        try waitForSubscriber()
        let frames = [topic ?? topicFrame, body]
        let deadline = ContinuousClock.now + stallTimeout
        // With XPUB_NODROP a full queue refuses the message (EAGAIN) until the daemon reads.
        while true {
            let queued: Bool
            do { queued = try socket.send(multipart: frames) } catch {
                throw .zeroMQ(action: "cannot send to \(endpoint)", error: error)
            }
            if queued { break }
            if ContinuousClock.now >= deadline { throw .sendStalled(endpoint: endpoint, timeout: stallTimeout) }
        }
        sent += 1
        if sent % 1024 == 0 { drainSubscriptions() }
    }

    /// Closes the socket; queued events keep leaving in the background for up to `linger`, and
    /// releasing the ``Context`` waits for them. Calling it again does nothing.
    ///
    /// - Parameter linger: How long queued events may take to leave.
    public func close(linger: Duration = .seconds(30)) {
        socket.close(linger: Int32(clamping: linger.wholeMilliseconds))
    }

    /// Reads the (un)subscription frames queued on the XPUB; a `0x01` frame whose prefix matches
    /// the topic means the daemon is subscribed.
    private func drainSubscriptions() {
        while let frames = try? socket.receiveMultipart(dontWait: true) {
            guard let frame = frames.first, frame.first == 1 else { continue }
            let prefix = frame.dropFirst()
            if topicFrame.starts(with: prefix) { isSubscribed = true }
        }
    }
}
