/// The figures behind `/sys/snapshots`: snapshot requests refused since the daemon started.
///
/// The server loop owns it, not the engine: a refused request is no ingest message and changes no
/// figure. Like every key, `/sys/snapshots` takes a fresh CHP sequence number from the engine's
/// (``ServerLoop`` raises the engine's sequence past it) each time it changes, so subscribers'
/// "newer than my snapshot" rule holds for it too. The count is not kept across restarts.
struct SnapshotStatistics {
    /// The key the figures are published under.
    static let key = "/sys/snapshots"

    /// Snapshot requests answered `["NACK", "unauthorized", …]`: the requesting connection's key is
    /// no longer in the subscriber allowlist.
    private(set) var refused: Int64 = 0
    /// The CHP sequence number of the key's last change (as KVSYNC carries it).
    private(set) var sequence: UInt64
    /// Whether the key changed since it was last published.
    private(set) var isDirty = false

    /// Starts at zero refusals, as if published at `sequence` (the engine's when the loop starts).
    init(sequence: UInt64) {
        self.sequence = sequence
    }

    /// Counts one refused request; the key is published with the next changes.
    mutating func countRefusal() {
        refused += 1
        isDirty = true
    }

    /// Records that the change was published at `sequence`.
    mutating func published(at sequence: UInt64) {
        self.sequence = sequence
        isDirty = false
    }

    /// The JSON value, e.g. `{"refused":2}`.
    var json: String { "{\"refused\":\(refused)}" }
}
