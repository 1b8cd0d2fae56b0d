import ArgumentParser
import CasePulseCore
import CasePulseLifecycle
import CasePulseSecurity
import CasePulseServer
import Foundation
import Logging
import ServiceLifecycle
import ZeroMQ

/// `casepulsed`: argument parsing and wiring; the configuration, systemd and logging pieces live
/// in CasePulseLifecycle, the server in CasePulseServer.
@main
struct CasePulseDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "casepulsed",
        abstract: "Aggregate case events from ZeroMQ producers and serve live figures over CHP (ZeroMQ RFC 12).",
        discussion: """
            Every setting is also a key of the configuration file (TOML, default \
            /etc/casepulse/casepulsed.toml) and a CASEPULSE_* environment variable, e.g. \
            --publish-interval, publish-interval = 100, CASEPULSE_PUBLISH_INTERVAL=100. \
            Precedence: flags > environment > file > defaults. SIGHUP reloads log-level, \
            publish-interval and the key allowlists.
            """)

    /// sysexits(3) EX_CONFIG: the unit does not restart on it.
    static let configurationErrorStatus: Int32 = 78

    @Option(name: .customLong("config"), help: ArgumentHelp("Configuration file (also CASEPULSE_CONFIG).", valueName: "FILE"))
    var config: String?

    @Flag(name: .customLong("check-config"), help: "Check the configuration, print the effective one and exit.")
    var checkConfig = false

    @Option(name: .customLong("snapshot"), help: Self.help(.snapshot, "EP"))
    var snapshot: String?

    @Option(name: .customLong("publish"), help: Self.help(.publish, "EP"))
    var publish: String?

    @Option(name: .customLong("ingest"), help: Self.help(.ingest, "EP"))
    var ingest: [String] = []

    @Option(name: .customLong("ingest-connect"), help: Self.help(.ingestConnect, "EP"))
    var ingestConnect: [String] = []

    @Option(name: .customLong("reliable"), help: Self.help(.reliable, "EP"))
    var reliable: [String] = []

    @Option(name: .customLong("publish-interval"), parsing: .unconditional, help: Self.help(.publishInterval, "MS"))
    var publishInterval: Int?

    @Option(name: .customLong("timezone"), help: Self.help(.timezone, "TZ"))
    var timezone: String?

    @Option(name: .customLong("day-retention"), parsing: .unconditional, help: Self.help(.dayRetention, "DAYS"))
    var dayRetention: Int?

    @Option(name: .customLong("max-event-bytes"), parsing: .unconditional, help: Self.help(.maxEventBytes, "BYTES"))
    var maxEventBytes: Int?

    @Option(name: .customLong("log-level"), help: Self.help(.logLevel, "LEVEL"))
    var logLevel: String?

    @Option(name: .customLong("state-dir"), help: Self.help(.stateDir, "DIR"))
    var stateDir: String?

    @Option(name: .customLong("fsync"), help: Self.help(.fsync, "MODE"))
    var fsync: String?

    @Option(name: .customLong("checkpoint-events"), parsing: .unconditional, help: Self.help(.checkpointEvents, "EVENTS"))
    var checkpointEvents: Int?

    @Option(name: .customLong("ingest-hwm"), parsing: .unconditional, help: Self.help(.ingestHWM, "MESSAGES"))
    var ingestHWM: Int?

    @Option(name: .customLong("curve-cert"), help: Self.help(.curveCert, "FILE"))
    var curveCert: String?

    @Option(name: .customLong("producer-keys"), help: Self.help(.producerKeys, "DIR"))
    var producerKeys: String?

    @Option(name: .customLong("subscriber-keys"), help: Self.help(.subscriberKeys, "DIR"))
    var subscriberKeys: String?

    private static func help(_ key: ConfigurationKey, _ valueName: String) -> ArgumentHelp {
        ArgumentHelp("\(key.help) [\(key.environmentVariable)]", valueName: valueName)
    }

    /// The settings given on the command line.
    var flags: ConfigurationLayer {
        var layer = ConfigurationLayer()
        layer.setFlag(.snapshot, snapshot.map(ConfigurationValue.string))
        layer.setFlag(.publish, publish.map(ConfigurationValue.string))
        layer.setFlag(.ingest, ingest.isEmpty ? nil : .list(ingest))
        layer.setFlag(.ingestConnect, ingestConnect.isEmpty ? nil : .list(ingestConnect))
        layer.setFlag(.reliable, reliable.isEmpty ? nil : .list(reliable))
        layer.setFlag(.publishInterval, publishInterval.map(ConfigurationValue.integer))
        layer.setFlag(.timezone, timezone.map(ConfigurationValue.string))
        layer.setFlag(.dayRetention, dayRetention.map(ConfigurationValue.integer))
        layer.setFlag(.maxEventBytes, maxEventBytes.map(ConfigurationValue.integer))
        layer.setFlag(.logLevel, logLevel.map(ConfigurationValue.string))
        layer.setFlag(.stateDir, stateDir.map(ConfigurationValue.string))
        layer.setFlag(.fsync, fsync.map(ConfigurationValue.string))
        layer.setFlag(.checkpointEvents, checkpointEvents.map(ConfigurationValue.integer))
        layer.setFlag(.ingestHWM, ingestHWM.map(ConfigurationValue.integer))
        layer.setFlag(.curveCert, curveCert.map(ConfigurationValue.string))
        layer.setFlag(.producerKeys, producerKeys.map(ConfigurationValue.string))
        layer.setFlag(.subscriberKeys, subscriberKeys.map(ConfigurationValue.string))
        return layer
    }

    /// Ends the daemon before it serves: `message` as the one `casepulsed: …` line on standard
    /// error (in `style`), and the exit code to throw with `status`.
    static func refusal(_ message: String, status: Int32, style: LogStyle) -> ExitCode {
        DaemonLogHandler.writeToStandardError(style.fatalLine(message))
        return ExitCode(status)
    }

    func run() async throws {
        // Everything the daemon creates — ipc socket files, the state — is its own alone, under
        // systemd (UMask=0077) or not: anyone who can open an ipc socket file can connect to it.
        umask(0o077)
        let environment = ProcessInfo.processInfo.environment
        let style = LogStyle.detect(environment: environment)
        func fail(_ message: String, status: Int32) -> ExitCode { Self.refusal(message, status: status, style: style) }

        let loader = ConfigurationLoader(flags: flags, configFlag: config, environment: environment)
        let configuration: DaemonConfiguration
        do {
            configuration = try loader.load()
        } catch {
            throw fail("\(error)", status: Self.configurationErrorStatus)
        }
        if checkConfig {
            // What a start would refuse before it serves: the state directory, the certificate and
            // the allowlists; checked leaving nothing behind, binding and starting nothing.
            do {
                try StateDirectory.check(configuration.stateDirectory)
                if let certificate = configuration.curveCert {
                    _ = try CurveSecurity.check(
                        certificate: certificate, producerKeys: configuration.producerKeys,
                        subscriberKeys: configuration.subscriberKeys)
                }
            } catch {
                throw fail("\(error)", status: Self.configurationErrorStatus)
            }
            print(configuration.renderedTOML(file: loader.file.path), terminator: "")
            return
        }
        do {
            try StateDirectory.prepare(configuration.stateDirectory)
        } catch {
            throw fail("\(error)", status: Self.configurationErrorStatus)
        }

        let levels = LogLevelControl(configuration.logLevel)
        let gate = StartupLogGate()
        LoggingSystem.bootstrap { label in
            DaemonLogHandler(label: label, style: style, control: levels, sink: gate.emit)
        }
        let logger = Logger(label: "casepulsed")
        let notifier = SystemdNotifier(environment: environment)
        let reporter = ServiceStatusReporter(notifier: notifier)
        var serverConfiguration = configuration.serverConfiguration
        serverConfiguration.tickIntervalMilliseconds = reporter.tickIntervalMilliseconds
        serverConfiguration.onTick = { status in reporter.tick(status) }
        Self.applyTestTextStore(environment: environment, to: &serverConfiguration, logger: logger)

        // CURVE: the ZAP handler must run in the sockets' context before anything binds.
        let context: Context
        let security: CurveSecurity?
        do {
            context = try Context()
            if let certificate = configuration.curveCert {
                security = try CurveSecurity.load(
                    certificate: certificate, producerKeys: configuration.producerKeys,
                    subscriberKeys: configuration.subscriberKeys, context: context, logger: logger)
                serverConfiguration.security = security
            } else {
                security = nil
            }
        } catch {
            gate.discard()
            throw fail("\(error)", status: Self.configurationErrorStatus)
        }

        let server: Server
        do {
            server = try Server(configuration: serverConfiguration, context: context, logger: logger)
            try server.start()
        } catch {
            gate.discard()
            await security?.stop()
            throw fail("\(error)", status: 1)
        }
        gate.open()

        let reloader = ConfigurationReloader(
            loader: loader, running: configuration, logLevel: levels, notifier: notifier, logger: logger,
            reloadKeyAllowlists: Self.allowlistReload(security),
            send: { server.send($0) })
        let wedge = Self.testWedge(environment: environment, server: server, logger: logger)
        let signals = SignalService(reloader: reloader, onWedge: wedge) {
            logger.info("serving", metadata: server.boundEndpoints.mapValues { .string($0) })
            notifier.ready()
        }
        let shutdown = ShutdownNotice(notifier: notifier)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: server, successTerminationBehavior: .gracefullyShutdownGroup),
                    .init(service: signals),
                    .init(service: shutdown),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        await security?.stop()
        guard shutdown.wasRequested else {
            logger.critical("the server loop ended without being asked to stop")
            throw ExitCode(1)
        }
        logger.info("stopped")
    }

    /// SIGHUP's allowlist reload: re-reads the key directories the reloaded configuration names.
    static func allowlistReload(_ security: CurveSecurity?) -> ConfigurationReloader.KeyAllowlistReload? {
        guard let security else { return nil }
        return { @Sendable (configuration: DaemonConfiguration) throws -> String in
            let change = try security.reload(
                producerKeys: configuration.producerKeys, subscriberKeys: configuration.subscriberKeys)
            return change.description
        }
    }

    /// Test hook: `CASEPULSE_TEST_TEXT_CHUNKS` (with `CASEPULSE_TEST_HOOKS=1`) makes the store of
    /// case texts that many MiB, so that a test fills it; logged as a warning.
    static func applyTestTextStore(environment: [String: String], to configuration: inout ServerConfiguration, logger: Logger) {
        guard environment["CASEPULSE_TEST_HOOKS"] == "1",
            let chunks = environment["CASEPULSE_TEST_TEXT_CHUNKS"].flatMap(Int.init),
            (1...EngineConfiguration.maximumTextStoreChunks).contains(chunks)
        else { return }
        configuration.engine.textStoreChunks = chunks
        logger.warning("test hook: the store of case texts holds \(chunks) MiB")
    }

    /// With `CASEPULSE_TEST_HOOKS=1`, SIGUSR1 wedges the server loop for
    /// `CASEPULSE_TEST_WEDGE_MS` milliseconds (default 3000), as a stuck engine would.
    static func testWedge(environment: [String: String], server: Server, logger: Logger) -> (@Sendable () -> Void)? {
        guard environment["CASEPULSE_TEST_HOOKS"] == "1" else { return nil }
        let milliseconds = environment["CASEPULSE_TEST_WEDGE_MS"].flatMap(Int.init) ?? 3000
        return {
            logger.warning("test hook: SIGUSR1 wedges the server loop", metadata: ["ms": "\(milliseconds)"])
            server.send(.wedge(.milliseconds(milliseconds)))
        }
    }
}
