/// Why an ingest message was refused. The raw values are the reasons on the wire (NACK frames,
/// `/sys/ingest` `rejected_by_reason`).
public enum RefusalReason: String, Sendable, CaseIterable, Hashable {
    /// Not a JSON object in UTF-8, or the wrong number of frames.
    case malformed
    /// The topic is not `case.v1`.
    case unsupported
    /// A field breaks the event table; the detail names it.
    case invalid
    /// The `producer` is not the authenticated identity.
    case unauthorized
    /// The message is larger than the daemon accepts.
    case tooLarge = "too_large"
}

/// A refused message: the reason and a short human-readable detail (for `invalid`, the field).
public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// The reason, one of the contract's.
    public var reason: RefusalReason
    /// What was wrong, e.g. `"at: not an RFC 3339 date-time"`; for `invalid` it starts with the
    /// field's name.
    public var detail: String

    /// Creates a refusal.
    public init(_ reason: RefusalReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    /// `reason: detail`.
    public var description: String { "\(reason.rawValue): \(detail)" }
}
