import ZeroMQ

/// Security handshakes with the daemon that failed before its ZAP handler had a say, and when a
/// client stops waiting for one to succeed.
///
/// Such a failure is on the client socket's monitor as `ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL` or
/// `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL`. With CURVE, a `--server-key` that is not the public key
/// of the daemon's certificate gives the first: the daemon cannot open the client's HELLO and
/// drops the connection. One side running CURVE and the other not gives the second (a mechanism
/// mismatch). libzmq connects again and again, each time in vain, so without this a client would
/// wait out its whole timeout and end with a message that does not name the cause.
///
/// Failures become fatal once they have gone on for ``grace`` without a handshake succeeding in
/// between (a daemon restarting with another key may fail a handshake or two on the way).
struct HandshakeFailures {
    /// The monitor events a client's socket reports them with, and the success that clears them.
    static let events: MonitorEvents = [.handshakeSucceeded, .handshakeFailedNoDetail, .handshakeFailedProtocol]

    /// How long failures may go on before they are fatal; `.zero` makes the first one fatal.
    let grace: Duration
    /// Whether the client runs CURVE: what a failure most likely means depends on it.
    let curve: Bool
    /// The first failure since the last success; `nil` while none is pending.
    private(set) var since: ContinuousClock.Instant?
    /// Failures since the last success.
    private(set) var count = 0
    /// What the most telling failure since the last success says, for the error.
    private(set) var evidence = ""
    /// Whether ``evidence`` names its cause (a protocol error), which a later closed connection
    /// does not replace.
    private var evidenceIsSpecific = false

    /// Starts with no failure, for a client that runs CURVE when `curve` is `true`.
    init(grace: Duration, curve: Bool) {
        self.grace = max(.zero, grace)
        self.curve = curve
    }

    /// Records every event `monitor` has reported (it watches ``events``).
    mutating func follow(_ monitor: SocketMonitor) throws(ZMQError) {
        while let event = try monitor.next() { record(event) }
    }

    /// Records what a handshake event of the client's socket says.
    mutating func record(_ event: MonitorEvent, at now: ContinuousClock.Instant = .now) {
        switch event.kind {
        case .handshakeFailedNoDetail:
            failed(
                curve
                    ? "the daemon closed the connection during the CURVE handshake, as it does when it cannot open "
                        + "this client's HELLO: --server-key is most likely not the public key of casepulsed's --curve-cert"
                    : "the daemon closed the connection during the handshake (errno \(event.value)), as it does when "
                        + "the daemon runs CURVE there: give --curve-cert and --server-key (the public key of its --curve-cert)",
                specific: false, at: now)
        case .handshakeFailedProtocol where event.value == MonitorEvent.mechanismMismatch:
            failed(
                curve
                    ? "the daemon does not run CURVE there: leave out --curve-cert and --server-key"
                    : "the daemon runs CURVE there: give --curve-cert and --server-key (the public key of its --curve-cert)",
                specific: true, at: now)
        case .handshakeFailedProtocol:
            failed("ZMTP protocol error 0x\(String(event.value, radix: 16)) during the handshake", specific: true, at: now)
        case .handshakeSucceeded:
            since = nil
            count = 0
            evidenceIsSpecific = false
        default:
            break
        }
    }

    /// Counts a failure. A protocol error names its cause (`specific`); a connection closed
    /// during the handshake only points at the likely one, and is what either side may see when
    /// the other closes first — a client without CURVE sees a CURVE daemon close on it rather
    /// than the mechanism mismatch on some tries, or on every try for 2 s (one run in about
    /// seven, loopback) — so it does not replace a specific cause seen since the last success.
    private mutating func failed(_ evidence: String, specific: Bool, at now: ContinuousClock.Instant) {
        if since == nil { since = now }
        count += 1
        guard specific || !evidenceIsSpecific else { return }
        self.evidence = evidence
        evidenceIsSpecific = specific
    }

    /// Whether the last handshake failed.
    var isFailing: Bool { since != nil }

    /// When the failures turn fatal, if there are any.
    var deadline: ContinuousClock.Instant? { since.map { $0 + grace } }

    /// Whether the failures have lasted ``grace`` at `now`.
    func isFatal(at now: ContinuousClock.Instant = .now) -> Bool {
        deadline.map { now >= $0 } ?? false
    }

    /// The error to end the client with: the endpoint, how many handshakes failed over how long,
    /// and what the most telling one says.
    func error(endpoint: String, at now: ContinuousClock.Instant = .now) -> CasePulseClientError {
        .handshakeFailed(
            endpoint: endpoint,
            evidence: "\(count) handshake(s) failed in \(KeyRefusals.tenths(since.map { now - $0 } ?? .zero)); \(evidence)")
    }
}
