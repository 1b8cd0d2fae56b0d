import ZeroMQ

/// When a CHP client decides that the daemon refuses its CURVE key for good, and when it tries
/// again meanwhile.
///
/// A refusal is a handshake the daemon's ZAP handler denied (`ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`,
/// with the ZAP status code, on the client socket's monitor) or a snapshot request answered
/// `["NACK", "unauthorized", …]`. libzmq 4.3 does not reconnect after a denied handshake — left
/// alone, a revoked client would wait in silence forever — so the client tries again itself,
/// every ``retryInterval``.
///
/// One refusal is not fatal: a reload can leave a key out for a moment (a key file replaced by
/// remove-then-copy, a directory rewritten between two reloads), and a key put back in time is
/// admitted at the next try. Refusals become fatal once they have gone on for ``grace`` without
/// one admission (a completed handshake, a snapshot answered) in between: a revoked key ends its
/// client ``grace`` after its first refused reconnect.
struct KeyRefusals {
    /// How long refusals may go on before they are fatal; `.zero` makes the first one fatal.
    let grace: Duration
    /// The first refusal since the last admission; `nil` while admitted.
    private(set) var since: ContinuousClock.Instant?
    /// What the last refusal was, e.g. `ZAP status 400 on every handshake`.
    private(set) var evidence = ""
    /// When to try again after the last refusal; `nil` when no try is pending.
    private(set) var retryAt: ContinuousClock.Instant?

    /// How long after a refusal the client tries again: eight tries within the default grace,
    /// which the daemon logs (at most ten denials per 10 s).
    static let retryInterval: Duration = .milliseconds(250)

    /// Starts admitted.
    init(grace: Duration) {
        self.grace = max(.zero, grace)
    }

    /// Records a refusal at `now`; `evidence` says what was refused, for the error. A try follows
    /// ``retryInterval`` later.
    mutating func refused(_ evidence: String, at now: ContinuousClock.Instant = .now) {
        if since == nil { since = now }
        self.evidence = evidence
        retryAt = now + Self.retryInterval
    }

    /// Records what a handshake event of the client's socket says: `HANDSHAKE_FAILED_AUTH` is a
    /// refusal (its value the ZAP status code), `HANDSHAKE_SUCCEEDED` an admission.
    mutating func record(_ event: MonitorEvent, at now: ContinuousClock.Instant = .now) {
        switch event.kind {
        case .handshakeFailedAuth: refused("ZAP status \(event.value) on every handshake", at: now)
        case .handshakeSucceeded: admitted()
        default: break
        }
    }

    /// Records an admission: the refusals so far were a passing reload race.
    mutating func admitted() {
        since = nil
        retryAt = nil
    }

    /// Whether the last word from the daemon was a refusal.
    var isRefusing: Bool { since != nil }

    /// When the refusals turn fatal, if there are any.
    var deadline: ContinuousClock.Instant? { since.map { $0 + grace } }

    /// The next moment something is due: a try or the deadline.
    var nextDue: ContinuousClock.Instant? {
        [deadline, retryAt].compactMap { $0 }.min()
    }

    /// Whether the refusals have lasted ``grace`` at `now`.
    func isFatal(at now: ContinuousClock.Instant = .now) -> Bool {
        deadline.map { now >= $0 } ?? false
    }

    /// Whether a try is due at `now`; it is then taken (the next one follows the next refusal).
    mutating func takeRetry(at now: ContinuousClock.Instant = .now) -> Bool {
        guard let due = retryAt, now >= due else { return false }
        retryAt = nil
        return true
    }

    /// The error to end the client with: the endpoint, the evidence and how long it lasted, and the
    /// client's public key for the operator to list.
    func error(endpoint: String, curve: CurveClientKeys?, at now: ContinuousClock.Instant = .now) -> CasePulseClientError {
        .subscriberKeyRefused(
            endpoint: endpoint, clientKey: curve?.client.publicKeyZ85,
            evidence: "\(evidence) for \(Self.tenths(since.map { now - $0 } ?? .zero))")
    }

    /// `duration` as seconds to a tenth, e.g. `2.1 s`.
    static func tenths(_ duration: Duration) -> String {
        let tenths = duration.wholeMilliseconds / 100
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
