import CasePulseServer
import Foundation
import Logging
import Synchronization

/// SIGHUP: reads the configuration file and the environment again (flags still win) and applies
/// what can change without a restart — the log level, the publish interval, the key allowlists —
/// then logs one line saying what it reloaded and what would need a restart.
public final class ConfigurationReloader: Sendable {
    /// Re-reads the key allowlists (`producer-keys`, `subscriber-keys`) for the new configuration
    /// and returns a short summary for the reload line (e.g. `12 producers, 3 subscribers`), or
    /// throws to refuse the reload. `nil` when the daemon has no allowlists to reload.
    public typealias KeyAllowlistReload = @Sendable (DaemonConfiguration) throws -> String

    private let loader: ConfigurationLoader
    private let running: Mutex<DaemonConfiguration>
    private let logLevel: LogLevelControl
    private let send: @Sendable (ServerCommand) -> Void
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let reloadKeyAllowlists: KeyAllowlistReload?

    /// Creates a reloader for a daemon running `configuration`; `send` reaches the server loop.
    public init(
        loader: ConfigurationLoader, running configuration: DaemonConfiguration, logLevel: LogLevelControl,
        notifier: SystemdNotifier, logger: Logger, reloadKeyAllowlists: KeyAllowlistReload?,
        send: @escaping @Sendable (ServerCommand) -> Void
    ) {
        self.loader = loader
        self.running = Mutex(configuration)
        self.logLevel = logLevel
        self.notifier = notifier
        self.logger = logger
        self.reloadKeyAllowlists = reloadKeyAllowlists
        self.send = send
    }

    /// The configuration in force (what was reloaded included).
    public var configuration: DaemonConfiguration { running.withLock { $0 } }

    /// Reloads; returns the line it logged. A configuration that does not check out is refused as
    /// a whole and the running one is kept.
    @discardableResult
    public func reload() -> String {
        notifier.reloading()
        defer { notifier.ready() }
        let file = loader.file.path + (FileManager.default.fileExists(atPath: loader.file.path) ? "" : " (absent: defaults)")
        let new: DaemonConfiguration
        let allowlists: String?
        do throws(ConfigurationError) {
            new = try loader.load()
            allowlists = try reloadAllowlists(new)
        } catch {
            let line = "reload refused, the running configuration stays: \(error)"
            logger.error("\(line)")
            return line
        }
        let old = configuration
        var applied: [String] = []
        var needsRestart: [String] = []
        for key in ConfigurationKey.allCases where old.value(of: key) != new.value(of: key) {
            if key.isReloadable {
                applied.append("\(key.rawValue) \(Self.show(old.value(of: key))) → \(Self.show(new.value(of: key)))")
            } else {
                needsRestart.append(key.rawValue)
            }
        }
        var updated = old
        updated.logLevel = new.logLevel
        updated.publishInterval = new.publishInterval
        updated.producerKeys = new.producerKeys
        updated.subscriberKeys = new.subscriberKeys
        for key in ConfigurationKey.allCases where key.isReloadable {
            updated.origins[key] = new.origins[key]
        }
        running.withLock { $0 = updated }
        logLevel.level = new.logLevel
        if new.publishInterval != old.publishInterval {
            send(.setPublishInterval(milliseconds: new.publishInterval))
        }
        var line = "reloaded configuration from \(file): " + (applied.isEmpty ? "nothing changed" : applied.joined(separator: ", "))
        if let allowlists { line += "; key allowlists: \(allowlists)" }
        if !needsRestart.isEmpty { line += "; not applied, needs a restart: " + needsRestart.joined(separator: ", ") }
        logger.notice("\(line)")
        return line
    }

    private func reloadAllowlists(_ configuration: DaemonConfiguration) throws(ConfigurationError) -> String? {
        // SECURITY HOOK: the CURVE wiring passes `reloadKeyAllowlists`, which re-reads
        // `producer-keys` and `subscriber-keys` and swaps the ZAP handler's allowlists.
        guard let reloadKeyAllowlists else { return nil }
        do {
            return try reloadKeyAllowlists(configuration)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(origin: nil, key: nil, problem: "cannot reload the key allowlists: \(error)")
        }
    }

    private static func show(_ value: ConfigurationValue?) -> String {
        switch value {
        case .string(let text)?: text
        case .integer(let number)?: String(number)
        case .list(let items)?: items.joined(separator: ",")
        case nil: "(unset)"
        }
    }
}
