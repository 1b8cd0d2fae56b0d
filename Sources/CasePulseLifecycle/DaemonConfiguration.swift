import CasePulseServer
import Foundation
import Logging

/// casepulsed's effective configuration: the embedded defaults, then the configuration file, then
/// `CASEPULSE_*` variables, then flags — a later source wins (see ``ConfigurationLoader``).
public struct DaemonConfiguration: Sendable, Equatable {
    /// ROUTER bind for CHP snapshot requests.
    public var snapshot = "tcp://127.0.0.1:7600"
    /// PUB bind for CHP updates and heartbeats.
    public var publish = "tcp://127.0.0.1:7601"
    /// SUB binds for producers' PUB sockets.
    public var ingest = ["tcp://127.0.0.1:7602"]
    /// SUB connects to producers' PUB binds.
    public var ingestConnect: [String] = []
    /// ROUTER binds for acknowledged ingest.
    public var reliable = ["tcp://127.0.0.1:7603"]
    /// Coalescing interval for updates, in milliseconds; 0 publishes after every batch applied.
    public var publishInterval = 100
    /// IANA zone of the calendar windows.
    public var timezone = "Asia/Shanghai"
    /// A day window is kept while less than this many days old (today is 0 days old); 0 keeps all.
    public var dayRetention = 400
    /// Largest event accepted, in bytes.
    public var maxEventBytes = 65_536
    /// Least severe level logged.
    public var logLevel = Logger.Level.info
    /// Where all durable state lives.
    public var stateDirectory: String
    /// Durability of acknowledged events.
    public var fsync = FsyncMode.batch
    /// Events journaled between two checkpoints (one also runs every 60 s with events pending).
    public var checkpointEvents = 200_000
    /// Receive high-water mark of the ingest sockets, in messages per producer connection.
    public var ingestHighWaterMark: Int32 = 10_000
    /// Server secret certificate; CURVE on every endpoint (tcp and ipc) when set.
    public var curveCert: String?
    /// Directory of producers' public certificates.
    public var producerKeys: String?
    /// Directory of subscribers' public certificates.
    public var subscriberKeys: String?
    /// Where each setting came from.
    public var origins: [ConfigurationKey: ConfigurationOrigin] = [:]

    /// The embedded defaults; the state directory's depends on `environment`
    /// (see ``defaultStateDirectory(environment:)``).
    public init(environment: [String: String] = [:]) {
        stateDirectory = Self.defaultStateDirectory(environment: environment)
    }

    /// `$STATE_DIRECTORY` (set by systemd's `StateDirectory=`; its first entry), else
    /// `$XDG_STATE_HOME/casepulse`, else `$HOME/.local/state/casepulse`.
    public static func defaultStateDirectory(environment: [String: String]) -> String {
        if let directory = environment["STATE_DIRECTORY"]?.split(separator: ":").first, !directory.isEmpty {
            return String(directory)
        }
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") {
            return "\(xdg)/casepulse"
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return "\(home)/.local/state/casepulse"
    }

    /// Checks `value` for `key` and sets it, remembering `origin`.
    public mutating func apply(_ value: ConfigurationValue, to key: ConfigurationKey, from origin: ConfigurationOrigin) throws(ConfigurationError) {
        func refuse(_ problem: String) -> ConfigurationError {
            ConfigurationError(origin: origin, key: key.rawValue, problem: problem)
        }
        switch (key.kind, value) {
        case (.string, .string(let text)):
            try applyString(text, to: key, refuse: refuse)
        case (.list, .list(let items)):
            for item in items where !Self.isEndpoint(item) {
                throw refuse("\"\(item)\" is not a ZeroMQ endpoint (transport://address)")
            }
            switch key {
            case .ingest: ingest = items
            case .ingestConnect: ingestConnect = items
            default: reliable = items
            }
        case (.integer, .integer(let number)):
            try applyInteger(number, to: key, refuse: refuse)
        default:
            throw refuse("wrong kind of value \(value.text)")
        }
        origins[key] = origin
    }

    private mutating func applyString(_ text: String, to key: ConfigurationKey, refuse: (String) -> ConfigurationError) throws(ConfigurationError) {
        switch key {
        case .snapshot, .publish:
            guard Self.isEndpoint(text) else { throw refuse("\"\(text)\" is not a ZeroMQ endpoint (transport://address)") }
            if key == .snapshot { snapshot = text } else { publish = text }
        case .timezone:
            guard TimeZone(identifier: text) != nil else { throw refuse("unknown IANA zone '\(text)'") }
            timezone = text
        case .logLevel:
            guard let level = Logger.Level(rawValue: text) else {
                throw refuse("unknown level '\(text)'; use trace, debug, info, notice, warning, error or critical")
            }
            logLevel = level
        case .fsync:
            guard let mode = FsyncMode(rawValue: text) else { throw refuse("unknown mode '\(text)'; use always, batch or off") }
            fsync = mode
        case .stateDir:
            guard text.hasPrefix("/") else { throw refuse("'\(text)' is not an absolute path") }
            stateDirectory = text
        case .curveCert, .producerKeys, .subscriberKeys:
            guard !text.isEmpty else { throw refuse("an empty path") }
            if key == .curveCert { curveCert = text } else if key == .producerKeys { producerKeys = text } else { subscriberKeys = text }
        default:
            throw refuse("wrong kind of value \"\(text)\"")
        }
    }

    /// The range of `checkpoint-events`.
    public static let checkpointEventsRange = 1...100_000_000
    /// The range of `ingest-hwm`: libzmq takes an `int`, and 0 (no limit) is not offered.
    public static let ingestHighWaterMarkRange = 1...Int(Int32.max)

    private mutating func applyInteger(_ number: Int, to key: ConfigurationKey, refuse: (String) -> ConfigurationError) throws(ConfigurationError) {
        switch key {
        case .publishInterval:
            guard number >= 0 else { throw refuse("must be 0 or more milliseconds, not \(number)") }
            publishInterval = number
        case .dayRetention:
            guard number >= 0 else { throw refuse("must be 0 or more days, not \(number)") }
            dayRetention = number
        case .maxEventBytes:
            guard number > 0 else { throw refuse("must be a positive number of bytes, not \(number)") }
            maxEventBytes = number
        case .checkpointEvents:
            let range = Self.checkpointEventsRange
            guard range.contains(number) else {
                throw refuse("must be \(range.lowerBound) to \(range.upperBound) events, not \(number)")
            }
            checkpointEvents = number
        case .ingestHWM:
            let range = Self.ingestHighWaterMarkRange
            guard range.contains(number), let messages = Int32(exactly: number) else {
                throw refuse("must be \(range.lowerBound) to \(range.upperBound) messages, not \(number)")
            }
            ingestHighWaterMark = messages
        default:
            throw refuse("wrong kind of value \(number)")
        }
    }

    /// `transport://address` with a non-empty address.
    static func isEndpoint(_ text: String) -> Bool {
        guard let range = text.range(of: "://") else { return false }
        return range.lowerBound != text.startIndex && range.upperBound != text.endIndex
    }

    /// The current value of `key`; `nil` for a path that is not set.
    public func value(of key: ConfigurationKey) -> ConfigurationValue? {
        switch key {
        case .snapshot: .string(snapshot)
        case .publish: .string(publish)
        case .ingest: .list(ingest)
        case .ingestConnect: .list(ingestConnect)
        case .reliable: .list(reliable)
        case .publishInterval: .integer(publishInterval)
        case .timezone: .string(timezone)
        case .dayRetention: .integer(dayRetention)
        case .maxEventBytes: .integer(maxEventBytes)
        case .logLevel: .string(logLevel.rawValue)
        case .stateDir: .string(stateDirectory)
        case .fsync: .string(fsync.rawValue)
        case .checkpointEvents: .integer(checkpointEvents)
        case .ingestHWM: .integer(Int(ingestHighWaterMark))
        case .curveCert: curveCert.map(ConfigurationValue.string)
        case .producerKeys: producerKeys.map(ConfigurationValue.string)
        case .subscriberKeys: subscriberKeys.map(ConfigurationValue.string)
        }
    }

    /// The server's configuration: endpoints, cadence, limits, calendar, state, durability and
    /// checkpoints.
    /// Security and the tick hook are the caller's to add.
    public var serverConfiguration: ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.snapshotEndpoint = snapshot
        configuration.publishEndpoint = publish
        configuration.ingestBinds = ingest
        configuration.ingestConnects = ingestConnect
        configuration.reliableEndpoints = reliable
        configuration.publishIntervalMilliseconds = publishInterval
        configuration.maxEventBytes = maxEventBytes
        if let zone = TimeZone(identifier: timezone) { configuration.engine.timeZone = zone }
        configuration.engine.dayRetentionDays = dayRetention
        configuration.stateDirectory = stateDirectory
        configuration.fsync = fsync
        configuration.checkpointEvents = checkpointEvents
        configuration.ingestHighWaterMark = ingestHighWaterMark
        return configuration
    }
}
