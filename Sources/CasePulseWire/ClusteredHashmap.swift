/// Frames of the Clustered Hashmap Protocol (ZeroMQ RFC 12) as casepulse speaks it.
///
/// Layouts (a ROUTER adds/strips the peer's identity frame in front):
/// - `ICANHAZ?`: `["ICANHAZ?", subtree]`
/// - `KVSYNC`:   `[key, sequence, "", "", value]`
/// - `KTHXBAI`:  `["KTHXBAI", sequence, "", "", subtree]`
/// - `KVPUB`:    `[key, sequence, uuid (empty), properties (empty), value]`; an empty value deletes
/// - `HUGZ`:     `["HUGZ", 00000000, "", "", ""]`
/// - `NACK`:     `["NACK", reason, detail]`, a refused `ICANHAZ?` (casepulse's own, PROTOCOL.md §5.1)
///
/// Sequence numbers are 8 bytes in network order.
public enum ClusteredHashmap {
    /// The snapshot request command.
    public static let snapshotRequest = "ICANHAZ?"
    /// The end-of-snapshot command.
    public static let snapshotEnd = "KTHXBAI"
    /// The heartbeat command.
    public static let heartbeat = "HUGZ"
    /// The command refusing a snapshot request (not RFC 12's: casepulse's, PROTOCOL.md §5.1).
    public static let refusal = "NACK"

    /// A sequence number as 8 bytes in network order.
    public static func encode(sequence: UInt64) -> [UInt8] {
        withUnsafeBytes(of: sequence.bigEndian) { Array($0) }
    }

    /// Reads an 8-byte network-order sequence number; `nil` unless exactly 8 bytes.
    public static func decodeSequence(_ bytes: some Collection<UInt8>) -> UInt64? {
        guard bytes.count == 8 else { return nil }
        return bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// The five frames of a KVSYNC (snapshot) or KVPUB (update) for one key; `nil` value deletes.
    public static func keyValueFrames(key: String, sequence: UInt64, value: String?) -> [[UInt8]] {
        [Array(key.utf8), encode(sequence: sequence), [], [], Array((value ?? "").utf8)]
    }

    /// The five frames of a KTHXBAI closing a snapshot of `subtree` taken at `sequence`.
    public static func snapshotEndFrames(sequence: UInt64, subtree: String) -> [[UInt8]] {
        [Array(snapshotEnd.utf8), encode(sequence: sequence), [], [], Array(subtree.utf8)]
    }

    /// The three frames of a NACK refusing a snapshot request: `reason` as in PROTOCOL.md §2.4
    /// (`unauthorized`), `detail` one line of English.
    public static func refusalFrames(reason: String, detail: String) -> [[UInt8]] {
        [Array(refusal.utf8), Array(reason.utf8), Array(detail.utf8)]
    }

    /// The five frames of a HUGZ heartbeat.
    public static let heartbeatFrames: [[UInt8]] = [Array(heartbeat.utf8), [UInt8](repeating: 0, count: 8), [], [], []]

    /// A decoded server-to-client command.
    public enum Command: Sendable, Hashable {
        /// One key's value (KVSYNC or KVPUB); `value == nil` deletes the key.
        case keyValue(key: String, sequence: UInt64, value: String?)
        /// End of a snapshot.
        case snapshotEnd(sequence: UInt64, subtree: String)
        /// Heartbeat.
        case heartbeat
        /// A refused snapshot request; no KVSYNC or KTHXBAI follows.
        case refused(reason: String, detail: String)

        /// Decodes the frames of a command (five, three for a NACK); `nil` when they are not one.
        public init?(frames: [[UInt8]]) {
            if frames.count == 3, frames[0].elementsEqual(ClusteredHashmap.refusal.utf8) {
                self = .refused(
                    reason: String(decoding: frames[1], as: UTF8.self), detail: String(decoding: frames[2], as: UTF8.self))
                return
            }
            guard frames.count == 5, let sequence = ClusteredHashmap.decodeSequence(frames[1]) else { return nil }
            let name = String(decoding: frames[0], as: UTF8.self)
            switch name {
            case ClusteredHashmap.heartbeat:
                self = .heartbeat
            case ClusteredHashmap.snapshotEnd:
                self = .snapshotEnd(sequence: sequence, subtree: String(decoding: frames[4], as: UTF8.self))
            default:
                let value = frames[4].isEmpty ? nil : String(decoding: frames[4], as: UTF8.self)
                self = .keyValue(key: name, sequence: sequence, value: value)
            }
        }
    }
}
