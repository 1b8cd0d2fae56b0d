/// The outcome (or, passed to a progress callback, the state so far) of
/// ``ReliablePublisher/send(_:progress:)``.
public struct ReliableReport: Sendable, Hashable {
    /// One refused event: the daemon's `["NACK", id, reason, detail]`.
    public struct Nack: Sendable, Hashable {
        /// The caller's id of the event (the daemon's id when it sent one the caller knows).
        public var id: String
        /// The refusal reason: `malformed`, `unsupported`, `invalid`, `unauthorized` or `too_large`.
        public var reason: String
        /// The daemon's explanation, e.g. the field that is invalid.
        public var detail: String

        /// Creates a NACK record.
        ///
        /// - Parameters:
        ///   - id: The event's id.
        ///   - reason: The refusal reason.
        ///   - detail: The explanation.
        public init(id: String, reason: String, detail: String) {
            self.id = id
            self.reason = reason
            self.detail = detail
        }
    }

    /// Distinct events sent (retransmissions not counted).
    public var sent = 0
    /// Events ACKed: durable in the daemon (a duplicate of an earlier event is ACKed too).
    public var accepted = 0
    /// Events NACKed; the first ``maxRecordedNacks`` are in ``nacks``.
    public var nacked = 0
    /// The NACKs, in arrival order, at most ``maxRecordedNacks``.
    public var nacks: [Nack] = []
    /// Events given up on after the last retransmission went unanswered.
    public var unanswered: [String] = []
    /// Retransmissions of events that got no reply in time.
    public var retransmitted = 0
    /// Events sent and not yet answered.
    public var inFlight = 0

    /// How many NACKs ``nacks`` keeps.
    public static let maxRecordedNacks = 10_000

    /// Creates an empty report.
    public init() {}

    /// Whether every event sent was ACKed and none is outstanding.
    public var allAccepted: Bool {
        nacked == 0 && unanswered.isEmpty && inFlight == 0 && accepted == sent
    }
}
