/// What the server reports about itself: counters for status lines and health checks.
public struct ServerStatus: Sendable, Equatable {
    /// Messages received on both ingest paths.
    public var received: Int64 = 0
    /// Events accepted.
    public var accepted: Int64 = 0
    /// Redeliveries.
    public var duplicates: Int64 = 0
    /// Refused messages.
    public var rejected: Int64 = 0
    /// Cases held.
    public var cases = 0
    /// Keys that exist.
    public var keys = 0
    /// The last CHP sequence number published.
    public var sequence: UInt64 = 0
    /// The last sequence gap seen, as `producer: first…last`, if any.
    public var lastGap: String?
    /// Snapshot requests refused because the requesting connection's key is no longer in the
    /// subscriber allowlist.
    public var snapshotsRefused: Int64 = 0
    /// Loop iterations so far; a value that stops rising means the loop is wedged.
    public var loopIterations: UInt64 = 0

    /// Creates an empty status.
    public init() {}
}
