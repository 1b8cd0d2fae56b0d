import ArgumentParser

/// `casepulse`: the command-line client of casepulsed. Each subcommand parses its arguments and
/// calls CasePulseClient.
@main
struct CasePulseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "casepulse",
        abstract: "Send case events to casepulsed and read its live aggregates (CHP, ZeroMQ RFC 12).",
        subcommands: [PublishCommand.self, SnapshotCommand.self, WatchCommand.self, DemoCommand.self, VerifyCommand.self, KeygenCommand.self, BenchCommand.self])
}
