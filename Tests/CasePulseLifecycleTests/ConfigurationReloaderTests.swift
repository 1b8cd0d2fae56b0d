import CasePulseLifecycle
import CasePulseServer
import CasePulseTestKit
import Foundation
import Logging
import Synchronization
import Testing

/// SIGHUP's reload: what it applies, what it leaves for a restart, what it refuses.
@Suite struct ConfigurationReloaderTests {
    /// Commands the reloader sent to the server.
    final class Sent: Sendable {
        let commands = Mutex<[ServerCommand]>([])
    }

    final class Harness {
        let scratch: TemporaryDirectory
        let path: String
        let reloader: ConfigurationReloader
        let levels: LogLevelControl
        let commands: Sent
        let socket: NotifySocket

        init(file: String, flags: ConfigurationLayer = ConfigurationLayer(), allowlists: ConfigurationReloader.KeyAllowlistReload? = nil) throws {
            scratch = try TemporaryDirectory(prefix: "casepulse-reload")
            path = try ConfigurationTests.file(file, in: scratch)
            let loader = ConfigurationLoader(flags: flags, configFlag: path, environment: ["HOME": "/h"])
            let configuration = try loader.load()
            levels = LogLevelControl(configuration.logLevel)
            let commands = Sent()
            self.commands = commands
            socket = try NotifySocket()
            reloader = ConfigurationReloader(
                loader: loader, running: configuration, logLevel: levels,
                notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path]),
                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
                reloadKeyAllowlists: allowlists, send: { command in commands.commands.withLock { $0.append(command) } })
        }

        func rewrite(_ text: String) throws {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    @Test func aReloadAppliesTheLevelAndTheIntervalAndNamesWhatNeedsARestart() throws {
        let harness = try Harness(file: "log-level = \"info\"\npublish-interval = 100\n")
        try harness.rewrite("log-level = \"debug\"\npublish-interval = 25\nsnapshot = \"tcp://127.0.0.1:9\"\n")
        let line = harness.reloader.reload()
        #expect(line == "reloaded configuration from \(harness.path): publish-interval 100 → 25, log-level info → debug; not applied, needs a restart: snapshot")
        #expect(harness.levels.level == .debug)
        #expect(harness.commands.commands.withLock { $0 } == [.setPublishInterval(milliseconds: 25)])
        #expect(harness.reloader.configuration.snapshot == "tcp://127.0.0.1:7600")
        #expect(harness.reloader.configuration.publishInterval == 25)
        let notices = [harness.socket.receive(timeout: .seconds(2)), harness.socket.receive(timeout: .seconds(2))]
        #expect(notices.map { $0?.assignments.first } == ["RELOADING=1", "READY=1"])
    }

    @Test func theCheckpointIntervalAndTheIngestHighWaterMarkNeedARestart() throws {
        let harness = try Harness(file: "checkpoint-events = 200000\n")
        try harness.rewrite("checkpoint-events = 50000\ningest-hwm = 1000\n")
        let line = harness.reloader.reload()
        #expect(line == "reloaded configuration from \(harness.path): nothing changed; not applied, needs a restart: checkpoint-events, ingest-hwm")
        #expect(harness.reloader.configuration.checkpointEvents == 200_000)
        #expect(harness.reloader.configuration.ingestHighWaterMark == 10_000)
        #expect(harness.commands.commands.withLock { $0 }.isEmpty)
    }

    @Test func flagsStillWinOnReload() throws {
        var flags = ConfigurationLayer()
        flags.setFlag(.publishInterval, .integer(7))
        let harness = try Harness(file: "publish-interval = 100\n", flags: flags)
        try harness.rewrite("publish-interval = 500\n")
        #expect(harness.reloader.reload() == "reloaded configuration from \(harness.path): nothing changed")
        #expect(harness.commands.commands.withLock { $0 }.isEmpty)
    }

    @Test func aBadFileIsRefusedAndTheRunningConfigurationStays() throws {
        let harness = try Harness(file: "log-level = \"info\"\n")
        try harness.rewrite("log-level = \"debug\"\npublish-interval = -1\n")
        let line = harness.reloader.reload()
        #expect(line.hasPrefix("reload refused, the running configuration stays: configuration file \(harness.path), line 2, key \"publish-interval\""))
        #expect(harness.levels.level == .info)
        #expect(harness.commands.commands.withLock { $0 }.isEmpty)
    }

    @Test func theAllowlistHookRunsOnEveryReloadAndCanRefuseIt() throws {
        let calls = Mutex(0)
        let harness = try Harness(file: "producer-keys = \"/etc/casepulse/producers\"\n") { configuration in
            calls.withLock { $0 += 1 }
            guard configuration.producerKeys == "/etc/casepulse/producers" else {
                throw ConfigurationError(origin: nil, key: "producer-keys", problem: "unreadable")
            }
            return "3 producers"
        }
        #expect(harness.reloader.reload().hasSuffix("nothing changed; key allowlists: 3 producers"))
        try harness.rewrite("producer-keys = \"/elsewhere\"\nlog-level = \"debug\"\n")
        #expect(harness.reloader.reload().contains("unreadable"))
        #expect(harness.levels.level == .info)
        #expect(calls.withLock { $0 } == 2)
    }
}
