/// The counters behind `/sys/ingest`: every message received ends as accepted, duplicate or rejected.
public struct IngestStatistics: Sendable, Equatable {
    /// Messages received: `accepted + duplicates + rejected`.
    public var received: Int64 { accepted + duplicates + rejected }
    /// Events accepted (new to their case).
    public var accepted: Int64 = 0
    /// Events already seen in their case (redeliveries).
    public var duplicates: Int64 = 0
    /// Messages refused.
    public var rejected: Int64 { rejectedByReason.values.reduce(0, +) }
    /// Refused messages by reason.
    public var rejectedByReason: [RefusalReason: Int64] = [:]

    /// Empty counters.
    public init() {}

    /// The JSON value of `/sys/ingest`; every reason is listed, zero or not.
    public var json: String {
        var out = "{\"received\":\(received),\"accepted\":\(accepted),\"duplicates\":\(duplicates)"
        out += ",\"rejected\":\(rejected),\"rejected_by_reason\":{"
        out += RefusalReason.allCases.map { "\"\($0.rawValue)\":\(rejectedByReason[$0] ?? 0)" }
            .joined(separator: ",")
        out += "}}"
        return out
    }
}
