import ArgumentParser
import CasePulseServer
import Foundation
import Logging
import ServiceLifecycle

/// `casepulsed`: argument parsing and wiring; everything else lives in CasePulseServer.
@main
struct CasePulseDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "casepulsed",
        abstract: "Aggregate case events from ZeroMQ producers and serve live figures over CHP (ZeroMQ RFC 12).")

    @Option(name: .customLong("snapshot"), help: ArgumentHelp("ROUTER bind for CHP snapshot requests.", valueName: "EP"))
    var snapshot = "tcp://127.0.0.1:7600"

    @Option(name: .customLong("publish"), help: ArgumentHelp("PUB bind for CHP updates and heartbeats.", valueName: "EP"))
    var publish = "tcp://127.0.0.1:7601"

    @Option(name: .customLong("ingest"), help: ArgumentHelp("SUB bind for producers' PUB sockets (repeatable; default tcp://127.0.0.1:7602).", valueName: "EP"))
    var ingest: [String] = []

    @Option(name: .customLong("ingest-connect"), help: ArgumentHelp("SUB connect to a producer's PUB bind (repeatable).", valueName: "EP"))
    var ingestConnect: [String] = []

    @Option(name: .customLong("reliable"), help: ArgumentHelp("ROUTER bind for acknowledged ingest (repeatable; default tcp://127.0.0.1:7603).", valueName: "EP"))
    var reliable: [String] = []

    @Option(name: .customLong("publish-interval"), help: ArgumentHelp("Coalescing interval for updates; 0 publishes every change.", valueName: "MS"))
    var publishInterval = 100

    @Option(name: .customLong("timezone"), help: ArgumentHelp("IANA zone for calendar windows.", valueName: "TZ"))
    var timezone = "Asia/Shanghai"

    @Option(name: .customLong("day-retention"), help: ArgumentHelp("Days back that day windows are kept; 0 keeps all.", valueName: "DAYS"))
    var dayRetention = 400

    @Option(name: .customLong("max-event-bytes"), help: ArgumentHelp("Largest event accepted; larger ones are refused as too_large.", valueName: "BYTES"))
    var maxEventBytes = 65_536

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard publishInterval >= 0 else { throw ValidationError("--publish-interval must be 0 or more milliseconds") }
        guard dayRetention >= 0 else { throw ValidationError("--day-retention must be 0 or more days") }
        guard maxEventBytes > 0 else { throw ValidationError("--max-event-bytes must be positive") }
        guard TimeZone(identifier: timezone) != nil else { throw ValidationError("--timezone: unknown IANA zone '\(timezone)'") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level '\(logLevel)'") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "casepulsed")
        var configuration = ServerConfiguration()
        configuration.snapshotEndpoint = snapshot
        configuration.publishEndpoint = publish
        if !ingest.isEmpty { configuration.ingestBinds = ingest }
        configuration.ingestConnects = ingestConnect
        if !reliable.isEmpty { configuration.reliableEndpoints = reliable }
        configuration.publishIntervalMilliseconds = publishInterval
        configuration.maxEventBytes = maxEventBytes
        if let zone = TimeZone(identifier: timezone) { configuration.engine.timeZone = zone }
        configuration.engine.dayRetentionDays = dayRetention

        let server: Server
        do {
            server = try Server(configuration: configuration, logger: logger)
            try server.start()
        } catch {
            FileHandle.standardError.write(Data("casepulsed: \(error)\n".utf8))
            throw ExitCode(1)
        }
        logger.info("serving", metadata: server.boundEndpoints.mapValues { .string($0) })
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: server)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        logger.info("stopped")
    }
}
