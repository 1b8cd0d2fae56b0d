import ArgumentParser
import CasePulseStore

/// `casepulse verify`: recomputes every aggregate from the stored case records and reports any
/// difference from the stored aggregates.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a state directory: recompute every aggregate from the stored record and compare.",
        discussion: """
            Reads the state read-only (safe while casepulsed runs). Compares the aggregates stored at the \
            last checkpoint with the ones recomputed from the case records of that checkpoint; events still in \
            the journal are counted, not compared. Exit status 0 when everything matches, 1 otherwise.
            """)

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("The daemon's state directory.", valueName: "DIR"))
    var stateDirectory: String

    @Option(name: .customLong("timezone"), help: ArgumentHelp("Override the zone recorded in the state.", valueName: "TZ"))
    var timezone: String?

    func run() throws {
        try CommandFailure.reporting {
            let report = try StateVerifier.verify(directory: stateDirectory, timeZone: timezone)
            var out = "\(stateDirectory): \(report.cases) cases, \(report.keysChecked) keys checked in \(report.timeZone)"
            out += ", \(report.journalEvents) journal events not yet checkpointed\n"
            for difference in report.differences.prefix(20) {
                out += "DIFFERENT \(difference.key)\n  stored     \(difference.stored ?? "(absent)")\n"
                out += "  recomputed \(difference.recomputed ?? "(absent)")\n"
            }
            if report.differences.count > 20 { out += "… and \(report.differences.count - 20) more\n" }
            out += report.differences.isEmpty ? "OK: every stored aggregate equals its recomputation\n"
                : "FAILED: \(report.differences.count) keys differ\n"
            Terminal.writeOutput(out)
            if !report.differences.isEmpty { throw ExitCode.failure }
        }
    }
}
