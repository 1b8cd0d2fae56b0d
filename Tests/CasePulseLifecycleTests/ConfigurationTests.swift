import CasePulseClient
import CasePulseTestKit
import CasePulseLifecycle
import CasePulseServer
import Foundation
import Testing

/// Precedence, checking and the file's error messages.
@Suite struct ConfigurationTests {
    /// Holds the configuration files a test writes.
    let scratch: TemporaryDirectory

    init() throws { scratch = try TemporaryDirectory(prefix: "casepulse-config") }

    /// Writes `text` to a fresh file in `directory` and returns its path.
    static func file(_ text: String, in directory: TemporaryDirectory) throws -> String {
        let path = directory.appending("\(UUID().uuidString.prefix(8)).toml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Writes `text` to a fresh file of this test's and returns its path.
    func file(_ text: String) throws -> String { try Self.file(text, in: scratch) }

    static let home = ["HOME": "/home/officer"]

    @Test func zeroConfigurationGivesTheEmbeddedDefaults() throws {
        let loader = ConfigurationLoader(configFlag: nil, environment: Self.home.merging(["CONFIGURATION_DIRECTORY": "/nonexistent-cp"]) { a, _ in a })
        let configuration = try loader.load()
        #expect(loader.file.path == "/nonexistent-cp/casepulsed.toml")
        #expect(configuration.snapshot == "tcp://127.0.0.1:7600")
        #expect(configuration.ingest == ["tcp://127.0.0.1:7602"])
        #expect(configuration.reliable == ["tcp://127.0.0.1:7603"])
        #expect(configuration.publishInterval == 100)
        #expect(configuration.stateDirectory == "/home/officer/.local/state/casepulse")
        #expect(configuration.fsync == .batch)
        #expect(configuration.curveCert == nil)
        #expect(configuration.origins.isEmpty)
    }

    /// /work/shared/CONTRACT.md, "Names and binaries" and the casepulsed flags table: the default
    /// endpoints are snapshot `tcp://127.0.0.1:7600`, updates `:7601`, best-effort ingest `:7602`
    /// and reliable ingest `:7603` (no producer is connected to), and day windows are kept 400 days.
    @Test func theDefaultEndpointsAndRetentionAreTheContracts() {
        let defaults = DaemonConfiguration(environment: Self.home)
        #expect(defaults.snapshot == "tcp://127.0.0.1:7600")
        #expect(defaults.publish == "tcp://127.0.0.1:7601")
        #expect(defaults.ingest == ["tcp://127.0.0.1:7602"])
        #expect(defaults.ingestConnect.isEmpty)
        #expect(defaults.reliable == ["tcp://127.0.0.1:7603"])
        #expect(defaults.dayRetention == 400)
    }

    /// Deploy/man/casepulse.1, DESCRIPTION: "Endpoints default to the daemon's defaults" — the
    /// client's ``DefaultEndpoints`` are casepulsed's built-in endpoints.
    @Test func theClientsDefaultEndpointsAreTheDaemons() {
        let daemon = DaemonConfiguration(environment: Self.home)
        #expect(DefaultEndpoints.snapshot == daemon.snapshot)
        #expect(DefaultEndpoints.publish == daemon.publish)
        #expect([DefaultEndpoints.ingest] == daemon.ingest)
        #expect([DefaultEndpoints.reliable] == daemon.reliable)
    }

    @Test func flagsBeatEnvironmentBeatsFileBeatsDefaults() throws {
        let path = try file("""
            # comment
            publish-interval = 250
            day-retention = 30
            timezone = "Asia/Urumqi"
            ingest = ["ipc:///run/casepulse/a", "ipc:///run/casepulse/b"]
            """)
        var flags = ConfigurationLayer()
        flags.setFlag(.publishInterval, .integer(5))
        let environment = Self.home.merging([
            "CASEPULSE_PUBLISH_INTERVAL": "50", "CASEPULSE_DAY_RETENTION": "60",
        ]) { a, _ in a }
        let configuration = try ConfigurationLoader(flags: flags, configFlag: path, environment: environment).load()
        #expect(configuration.publishInterval == 5)
        #expect(configuration.origins[.publishInterval] == .flag("--publish-interval"))
        #expect(configuration.dayRetention == 60)
        #expect(configuration.origins[.dayRetention] == .environment("CASEPULSE_DAY_RETENTION"))
        #expect(configuration.timezone == "Asia/Urumqi")
        #expect(configuration.origins[.timezone] == .file(path: path, line: 4))
        #expect(configuration.ingest == ["ipc:///run/casepulse/a", "ipc:///run/casepulse/b"])
        #expect(configuration.maxEventBytes == 65_536)
        #expect(configuration.origins[.maxEventBytes] == nil)
    }

    @Test func environmentListsSplitOnCommasAndSpaces() throws {
        let environment = ["CASEPULSE_RELIABLE": "tcp://127.0.0.1:1, tcp://127.0.0.1:2 ipc:///x", "HOME": "/h"]
        let configuration = try ConfigurationLoader(environment: environment).load()
        #expect(configuration.reliable == ["tcp://127.0.0.1:1", "tcp://127.0.0.1:2", "ipc:///x"])
    }

    @Test func theConfigVariableNamesTheFileAndTheFlagBeatsIt() throws {
        let envFile = try file("log-level = \"debug\"\n")
        let flagFile = try file("log-level = \"warning\"\n")
        #expect(try ConfigurationLoader(environment: ["CASEPULSE_CONFIG": envFile]).load().logLevel == .debug)
        #expect(try ConfigurationLoader(configFlag: flagFile, environment: ["CASEPULSE_CONFIG": envFile]).load().logLevel == .warning)
    }

    @Test func theStateDirectoryDefaultFollowsSystemdThenXDG() {
        #expect(DaemonConfiguration.defaultStateDirectory(environment: ["STATE_DIRECTORY": "/var/lib/casepulse:/var/lib/other"]) == "/var/lib/casepulse")
        #expect(DaemonConfiguration.defaultStateDirectory(environment: ["XDG_STATE_HOME": "/x/state", "HOME": "/h"]) == "/x/state/casepulse")
        #expect(DaemonConfiguration.defaultStateDirectory(environment: ["HOME": "/h"]) == "/h/.local/state/casepulse")
    }

    @Test(arguments: [
        ("snapshot = \"tcp://127.0.0.1:7600\"\n\npublish-interval = -5\n", 3, "publish-interval", "0 or more"),
        ("timezone = \"Mars/Olympus\"\n", 1, "timezone", "Mars/Olympus"),
        ("log-level = \"info\"\nfsync = \"sometimes\"\n", 2, "fsync", "sometimes"),
        ("day-retention = \"thirty\"\n", 1, "day-retention", "whole number"),
        ("ingest = [\"tcp://a:1\", 7]\n", 1, "ingest", "array of strings"),
        ("reliable = [\"127.0.0.1:7603\"]\n", 1, "reliable", "not a ZeroMQ endpoint"),
        ("\n\nsnapshots = \"tcp://127.0.0.1:1\"\n", 3, "snapshots", "unknown key"),
        ("[server]\nsnapshot = \"tcp://127.0.0.1:1\"\n", 1, "server", "top level"),
        ("state-dir = \"var/lib\"\n", 1, "state-dir", "absolute"),
        ("log-level = \"debug\"\npublish-interval = 10 20\n", 2, "publish-interval", "not valid TOML"),
        ("timezone = \"Asia/Shanghai\"\ntimezone = \"UTC\"\n", 2, "timezone", "not valid TOML"),
    ])
    func aBadFileIsRefusedNamingTheFileTheLineAndTheKey(text: String, line: Int, key: String, problem: String) throws {
        let path = try file(text)
        #expect {
            try ConfigurationLoader(configFlag: path, environment: [:]).load()
        } throws: { error in
            let message = "\(error)"
            return message.contains("configuration file \(path), line \(line), key \"\(key)\": ")
                && message.contains(problem) && !message.contains("\n")
        }
    }

    @Test func aFileNamedExplicitlyMustExistButTheDefaultOneNeedNot() throws {
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader(configFlag: "/nonexistent-cp/casepulsed.toml", environment: [:]).load()
        }
        #expect(throws: Never.self) {
            try ConfigurationLoader(environment: ["CONFIGURATION_DIRECTORY": "/nonexistent-cp"]).load()
        }
    }

    /// Deploy/man/casepulsed.8, OPTIONS, `--config`: "Only a file named explicitly (by this option
    /// or the variable) must exist" — a `CASEPULSE_CONFIG` naming a missing file is refused, and
    /// the refusal names the file.
    @Test func aMissingFileNamedByTheVariableIsRefusedNamingIt() {
        let missing = scratch.appending("missing.toml")
        let environment = Self.home.merging(["CASEPULSE_CONFIG": missing]) { a, _ in a }
        #expect {
            try ConfigurationLoader(environment: environment).load()
        } throws: { error in
            "\(error)".contains(missing) && "\(error)".contains("does not exist")
        }
    }

    @Test func badEnvironmentAndFlagsNameTheirSource() throws {
        #expect {
            try ConfigurationLoader(environment: ["CASEPULSE_MAX_EVENT_BYTES": "lots"]).load()
        } throws: { "\($0)".hasPrefix("environment variable CASEPULSE_MAX_EVENT_BYTES, key \"max-event-bytes\": ") }
        var flags = ConfigurationLayer()
        flags.setFlag(.logLevel, .string("loud"))
        #expect {
            try ConfigurationLoader(flags: flags, environment: [:]).load()
        } throws: { "\($0)".hasPrefix("--log-level: unknown level 'loud'") }
    }

    @Test func aBadFileLineIsReportedEvenWhenAFlagOverridesIt() throws {
        let path = try file("publish-interval = -1\n")
        var flags = ConfigurationLayer()
        flags.setFlag(.publishInterval, .integer(10))
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader(flags: flags, configFlag: path, environment: [:]).load()
        }
    }

    @Test func theRenderedConfigurationReadsBackToItself() throws {
        let path = try file("""
            snapshot = "ipc:///run/casepulse/snapshot"
            ingest-connect = ["tcp://10.0.0.5:7700", "tcp://10.0.0.6:7700"]
            producer-keys = "/etc/casepulse/producers"
            fsync = "always"
            timezone = "Asia/Shanghai"
            """)
        let first = try ConfigurationLoader(configFlag: path, environment: ["HOME": "/h", "CASEPULSE_LOG_LEVEL": "notice"]).load()
        let rendered = first.renderedTOML(file: path)
        #expect(rendered.contains("# environment variable CASEPULSE_LOG_LEVEL"))
        #expect(rendered.contains("# curve-cert = \"\"  # not set"))
        let again = try ConfigurationLoader(configFlag: try file(rendered), environment: [:]).load()
        for key in ConfigurationKey.allCases {
            #expect(again.value(of: key) == first.value(of: key), "\(key)")
        }
    }

    @Test func theServerConfigurationCarriesEverySetting() throws {
        var flags = ConfigurationLayer()
        flags.setFlag(.stateDir, .string("/srv/casepulse"))
        flags.setFlag(.fsync, .string("off"))
        flags.setFlag(.dayRetention, .integer(0))
        flags.setFlag(.timezone, .string("Asia/Urumqi"))
        let server = try ConfigurationLoader(flags: flags, environment: [:]).load().serverConfiguration
        #expect(server.stateDirectory == "/srv/casepulse")
        #expect(server.fsync == .off)
        #expect(server.engine.dayRetentionDays == 0)
        #expect(server.engine.timeZone.identifier == "Asia/Urumqi")
        #expect(server.publishIntervalMilliseconds == 100)
    }

    @Test func theCheckpointIntervalAndTheIngestHighWaterMarkComeFromEverySource() throws {
        let defaults = try ConfigurationLoader(environment: Self.home).load()
        #expect(defaults.checkpointEvents == 200_000)
        #expect(defaults.ingestHighWaterMark == 10_000)
        #expect(defaults.serverConfiguration.checkpointEvents == 200_000)
        #expect(defaults.serverConfiguration.ingestHighWaterMark == 10_000)

        let path = try file("checkpoint-events = 5000\ningest-hwm = 20000\n")
        let fromFile = try ConfigurationLoader(configFlag: path, environment: Self.home).load()
        #expect(fromFile.checkpointEvents == 5000)
        #expect(fromFile.origins[.checkpointEvents] == .file(path: path, line: 1))
        #expect(fromFile.ingestHighWaterMark == 20_000)
        #expect(fromFile.origins[.ingestHWM] == .file(path: path, line: 2))

        let environment = Self.home.merging(["CASEPULSE_CHECKPOINT_EVENTS": "7000", "CASEPULSE_INGEST_HWM": "30000"]) { a, _ in a }
        let fromEnvironment = try ConfigurationLoader(configFlag: path, environment: environment).load()
        #expect(fromEnvironment.checkpointEvents == 7000)
        #expect(fromEnvironment.origins[.checkpointEvents] == .environment("CASEPULSE_CHECKPOINT_EVENTS"))
        #expect(fromEnvironment.ingestHighWaterMark == 30_000)
        #expect(fromEnvironment.origins[.ingestHWM] == .environment("CASEPULSE_INGEST_HWM"))

        var flags = ConfigurationLayer()
        flags.setFlag(.checkpointEvents, .integer(1))
        flags.setFlag(.ingestHWM, .integer(Int(Int32.max)))
        let fromFlags = try ConfigurationLoader(flags: flags, configFlag: path, environment: environment).load()
        #expect(fromFlags.checkpointEvents == 1)
        #expect(fromFlags.origins[.checkpointEvents] == .flag("--checkpoint-events"))
        #expect(fromFlags.ingestHighWaterMark == Int32.max)
        #expect(fromFlags.origins[.ingestHWM] == .flag("--ingest-hwm"))
        #expect(fromFlags.serverConfiguration.checkpointEvents == 1)
        #expect(fromFlags.serverConfiguration.ingestHighWaterMark == Int32.max)
    }

    @Test(arguments: [
        ("checkpoint-events", 0, "must be 1 to 100000000 events, not 0"),
        ("checkpoint-events", -3, "must be 1 to 100000000 events, not -3"),
        ("checkpoint-events", 100_000_001, "must be 1 to 100000000 events, not 100000001"),
        ("ingest-hwm", 0, "must be 1 to 2147483647 messages, not 0"),
        ("ingest-hwm", -1, "must be 1 to 2147483647 messages, not -1"),
        ("ingest-hwm", 2_147_483_648, "must be 1 to 2147483647 messages, not 2147483648"),
    ])
    func anOutOfRangeCheckpointIntervalOrHighWaterMarkIsRefusedFromEverySource(key: String, value: Int, problem: String) throws {
        guard let configurationKey = ConfigurationKey(rawValue: key) else {
            Issue.record("no key \(key)")
            return
        }
        let path = try file("log-level = \"info\"\n\(key) = \(value)\n")
        #expect {
            try ConfigurationLoader(configFlag: path, environment: [:]).load()
        } throws: { "\($0)" == "configuration file \(path), line 2, key \"\(key)\": \(problem)" }
        #expect {
            try ConfigurationLoader(environment: [configurationKey.environmentVariable: String(value)]).load()
        } throws: { "\($0)" == "environment variable \(configurationKey.environmentVariable), key \"\(key)\": \(problem)" }
        var flags = ConfigurationLayer()
        flags.setFlag(configurationKey, .integer(value))
        #expect {
            try ConfigurationLoader(flags: flags, environment: [:]).load()
        } throws: { "\($0)" == "--\(key): \(problem)" }
    }

    @Test func everyKeyIsSpeltTheSameWayEverywhere() {
        #expect(ConfigurationKey.publishInterval.flag == "--publish-interval")
        #expect(ConfigurationKey.publishInterval.environmentVariable == "CASEPULSE_PUBLISH_INTERVAL")
        #expect(ConfigurationKey.stateDir.environmentVariable == "CASEPULSE_STATE_DIR")
        #expect(ConfigurationKey.ingestHWM.flag == "--ingest-hwm")
        #expect(ConfigurationKey.ingestHWM.environmentVariable == "CASEPULSE_INGEST_HWM")
        #expect(ConfigurationKey.checkpointEvents.environmentVariable == "CASEPULSE_CHECKPOINT_EVENTS")
        #expect(Set(ConfigurationKey.allCases.map(\.environmentVariable)).count == ConfigurationKey.allCases.count)
    }
}
