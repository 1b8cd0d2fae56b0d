import Foundation

/// One setting of casepulsed. Each is a key of the configuration file, a `--flag` and a
/// `CASEPULSE_*` environment variable, all spelt from ``rawValue``: key `publish-interval`, flag
/// `--publish-interval`, variable `CASEPULSE_PUBLISH_INTERVAL`.
public enum ConfigurationKey: String, CaseIterable, Sendable, Comparable {
    /// ROUTER bind for CHP snapshot requests.
    case snapshot
    /// PUB bind for CHP updates and heartbeats.
    case publish
    /// SUB binds for producers' PUB sockets.
    case ingest
    /// SUB connects to producers' PUB binds.
    case ingestConnect = "ingest-connect"
    /// ROUTER binds for acknowledged ingest.
    case reliable
    /// Coalescing interval for updates, in milliseconds.
    case publishInterval = "publish-interval"
    /// IANA zone of the calendar windows.
    case timezone
    /// How long day windows are kept: while less than this many days old.
    case dayRetention = "day-retention"
    /// Largest event accepted, in bytes.
    case maxEventBytes = "max-event-bytes"
    /// Least severe level logged.
    case logLevel = "log-level"
    /// Where durable state lives.
    case stateDir = "state-dir"
    /// Durability of acknowledged events.
    case fsync
    /// Events journaled between two checkpoints.
    case checkpointEvents = "checkpoint-events"
    /// Receive high-water mark of the ingest sockets, in messages per producer connection.
    case ingestHWM = "ingest-hwm"
    /// Server secret certificate for CURVE.
    case curveCert = "curve-cert"
    /// Directory of producers' public certificates.
    case producerKeys = "producer-keys"
    /// Directory of subscribers' public certificates.
    case subscriberKeys = "subscriber-keys"

    /// What kind of value the key takes.
    public enum Kind: Sendable {
        /// One string (an endpoint, a name, a path).
        case string
        /// A list of strings: an array in the file, a repeated flag, a comma-separated variable.
        case list
        /// A whole number.
        case integer
    }

    /// The kind of value the key takes.
    public var kind: Kind {
        switch self {
        case .ingest, .ingestConnect, .reliable: .list
        case .publishInterval, .dayRetention, .maxEventBytes, .checkpointEvents, .ingestHWM: .integer
        default: .string
        }
    }

    /// `--key`.
    public var flag: String { "--\(rawValue)" }

    /// `CASEPULSE_KEY` with dashes as underscores.
    public var environmentVariable: String {
        "CASEPULSE_" + rawValue.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// Whether SIGHUP applies a new value without a restart.
    public var isReloadable: Bool {
        switch self {
        case .logLevel, .publishInterval, .producerKeys, .subscriberKeys: true
        default: false
        }
    }

    /// One line of help for `--help`, the example file and the README.
    public var help: String {
        switch self {
        case .snapshot: "ROUTER bind for CHP snapshot requests."
        case .publish: "PUB bind for CHP updates and heartbeats."
        case .ingest: "SUB bind for producers' PUB sockets (repeatable)."
        case .ingestConnect: "SUB connect to a producer's PUB bind (repeatable)."
        case .reliable: "ROUTER bind for acknowledged ingest (repeatable)."
        case .publishInterval: "Coalescing interval for updates in milliseconds; 0 publishes after every batch, without waiting."
        case .timezone: "IANA zone of the calendar windows."
        case .dayRetention: "A day window is kept while less than this many days old (today is 0 days old); 0 keeps all."
        case .maxEventBytes: "Largest event accepted; larger ones are refused as too_large."
        case .logLevel: "trace, debug, info, notice, warning, error or critical."
        case .stateDir: "Where all durable state lives (default: $STATE_DIRECTORY, else $XDG_STATE_HOME/casepulse or ~/.local/state/casepulse)."
        case .fsync: "Durability of acknowledged events: always, batch (group commit before the ACK) or off."
        case .checkpointEvents: "Events journaled between two checkpoints (a checkpoint also runs every 60 s with events pending, and at a clean stop)."
        case .ingestHWM: "Receive high-water mark of the ingest sockets: messages queued per producer connection; when it is reached the daemon stops reading that connection, so a best-effort producer's PUB drops and a reliable producer's DEALER blocks."
        case .curveCert: "Server secret certificate; turns CURVE on for every endpoint (tcp and ipc)."
        case .producerKeys: "Directory of public certificates of producers allowed to send events."
        case .subscriberKeys: "Directory of public certificates of clients allowed to read."
        }
    }

    /// Declaration order, so that listings follow the table in the README.
    public static func < (lhs: ConfigurationKey, rhs: ConfigurationKey) -> Bool {
        let order = allCases
        return (order.firstIndex(of: lhs) ?? 0) < (order.firstIndex(of: rhs) ?? 0)
    }
}
