import ArgumentParser
import CasePulseClient

/// `casepulse snapshot`: prints one CHP snapshot as a JSON document.
struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Print the daemon's keys under a subtree as one JSON document.",
        discussion: """
            Output: {"sequence": N, "keys": {key: value, ...}} with the values embedded as JSON objects and \
            the keys sorted. SUBTREE is a key prefix: /m/all/ (default), /m/2025-06/370000/, /sys/, or '' for \
            everything.
            """)

    @Argument(help: ArgumentHelp("Key prefix to fetch.", valueName: "SUBTREE"))
    var subtree = "/m/all/"

    @Option(name: .customLong("snapshot"), help: ArgumentHelp("The daemon's snapshot endpoint.", valueName: "EP"))
    var snapshot = DefaultEndpoints.snapshot

    @Option(name: .customLong("timeout"), help: ArgumentHelp("Seconds to wait for the snapshot.", valueName: "SECONDS"))
    var timeout = 5

    @OptionGroup var curve: CurveOptions

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() throws {
        try CommandFailure.reporting {
            let context = try PublishCommand.context()
            let result = try HashmapClient.snapshot(
                context: context, endpoint: snapshot, subtree: subtree, timeout: .seconds(timeout),
                curve: try curve.keys())
            var out = "{\"sequence\": \(result.sequence), \"keys\": {"
            let keys = result.entries.keys.sorted()
            for (index, key) in keys.enumerated() {
                out += index == 0 ? "\n  " : ",\n  "
                out += JSONText.quoted(key) + ": " + JSONText.embedded(result.entries[key]?.value)
            }
            out += keys.isEmpty ? "}}\n" : "\n}}\n"
            Terminal.writeOutput(out)
        }
    }
}
