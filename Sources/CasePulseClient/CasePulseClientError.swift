import ZeroMQ

/// A failure of a CasePulse client operation, with a one-line ``description`` fit for a user.
public enum CasePulseClientError: Error, Sendable, CustomStringConvertible {
    /// The snapshot endpoint did not answer `ICANHAZ?` with a complete snapshot in time.
    case snapshotTimeout(endpoint: String, timeout: Duration)
    /// The snapshot endpoint answered with frames that are not CHP commands.
    case invalidSnapshot(endpoint: String, detail: String)
    /// The snapshot endpoint refused the request (`NACK`) for a reason other than `unauthorized`
    /// (which is ``subscriberKeyRefused(endpoint:clientKey:evidence:)``).
    case snapshotRefused(endpoint: String, reason: String, detail: String)
    /// The daemon kept refusing this client's CURVE key — its ZAP handler denied every handshake,
    /// or it answered every snapshot request `["NACK", "unauthorized", …]` — for longer than the
    /// client's grace for reload races: the key is not (or no longer) in its `--subscriber-keys`.
    /// `clientKey` is the client's public key in Z85, `nil` without CURVE; `evidence` says what
    /// was refused and for how long.
    case subscriberKeyRefused(endpoint: String, clientKey: String?, evidence: String)
    /// The security handshakes with the daemon kept failing before its ZAP handler had a say,
    /// for longer than the client's grace: most often a `--server-key` that is not the daemon's,
    /// or CURVE on one side only. `evidence` says how many failed, for how long, and what the
    /// last one means.
    case handshakeFailed(endpoint: String, evidence: String)
    /// No subscriber (the daemon's ingest SUB) showed up on the best-effort ingest endpoint in time.
    case noSubscriber(endpoint: String, timeout: Duration)
    /// The best-effort ingest endpoint did not take a queued event for this long (the subscriber
    /// stopped reading).
    case sendStalled(endpoint: String, timeout: Duration)
    /// The reliable ingest endpoint sent no reply for this long while events were in flight.
    case noReply(endpoint: String, timeout: Duration, report: ReliableReport)
    /// A file could not be opened or read.
    case readFailed(path: String, reason: String)
    /// A CURVE certificate or key could not be read (the message names the file).
    case certificate(String)
    /// A ZeroMQ call failed while doing `action`.
    case zeroMQ(action: String, error: ZMQError)

    /// A one-line explanation naming the endpoint or file involved.
    public var description: String {
        switch self {
        case .snapshotTimeout(let endpoint, let timeout):
            "no snapshot from \(endpoint) within \(Self.seconds(timeout)) (is casepulsed running and serving snapshots there?)"
        case .invalidSnapshot(let endpoint, let detail):
            "invalid snapshot from \(endpoint): \(detail)"
        case .snapshotRefused(let endpoint, let reason, let detail):
            "\(endpoint) refused the snapshot request: \(reason) (\(detail))"
        case .subscriberKeyRefused(let endpoint, let clientKey?, let evidence):
            "the server at \(endpoint) refused this client's key (CURVE authentication failed: \(evidence)); "
                + "ask the operator to add the public key \(clientKey) to casepulsed's --subscriber-keys directory and reload it"
        case .subscriberKeyRefused(let endpoint, nil, let evidence):
            "the server at \(endpoint) refused this client (\(evidence)); it runs CURVE: "
                + "give --curve-cert and --server-key, with a key listed in casepulsed's --subscriber-keys"
        case .handshakeFailed(let endpoint, let evidence):
            "cannot talk to \(endpoint): \(evidence)"
        case .noSubscriber(let endpoint, let timeout):
            "no subscriber on \(endpoint) within \(Self.seconds(timeout)) (is casepulsed running with --ingest there?)"
        case .sendStalled(let endpoint, let timeout):
            "\(endpoint) took no event for \(Self.seconds(timeout)) (the daemon stopped reading)"
        case .noReply(let endpoint, let timeout, let report):
            "no reply from \(endpoint) within \(Self.seconds(timeout)) with \(report.inFlight) event(s) in flight "
                + "(\(report.accepted) accepted, \(report.nacked) refused so far; is casepulsed running with --reliable there?)"
        case .readFailed(let path, let reason):
            "cannot read \(path): \(reason)"
        case .certificate(let message):
            message
        case .zeroMQ(let action, let error):
            error.endpoint == nil ? "\(action): \(error)" : "\(action): \(error.message) (errno \(error.errno))"
        }
    }

    /// `duration` as seconds for messages, e.g. `5 s` or `0.25 s`.
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.wholeMilliseconds
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) s"
    }
}
