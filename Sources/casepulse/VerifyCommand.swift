import ArgumentParser
import CasePulseStore

/// `casepulse verify`: recomputes every aggregate from the stored case records and reports any
/// difference from the stored aggregates.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a state directory: recompute every aggregate from the stored record and compare.",
        discussion: """
            Reads the state read-only (safe while casepulsed runs). Recomputes every aggregate from the stored \
            case records and compares it with the aggregates the daemon stored at its last clean stop. Exit \
            status 0 when everything matches, 1 on any difference, 2 when there is nothing complete to compare \
            with (a daemon runs on the state, or the last one did not stop cleanly).
            """)

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("The daemon's state directory.", valueName: "DIR"))
    var stateDirectory: String

    @Option(name: .customLong("timezone"), help: ArgumentHelp("Override the zone recorded in the state.", valueName: "TZ"))
    var timezone: String?

    func run() throws {
        try CommandFailure.reporting {
            let report = try StateVerifier.verify(directory: stateDirectory, timeZone: timezone)
            var out = "\(stateDirectory): \(report.cases) cases give \(report.keysRecomputed) keys in \(report.timeZone)"
            out += ", \(report.journalEvents) journal events not yet checkpointed\n"
            guard report.compared else {
                out += "NOT COMPARED: the stored aggregates are not complete (a daemon runs on this state, or the last one "
                out += "did not stop cleanly); stop casepulsed with SIGTERM and run verify again\n"
                Terminal.writeOutput(out)
                throw ExitCode(2)
            }
            out += "\(report.keysChecked) keys compared\n"
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
