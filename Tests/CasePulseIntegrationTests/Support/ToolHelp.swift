import Foundation

/// What an ArgumentParser tool says about itself with `--experimental-dump-help`: a command's
/// long options, the abstracts of its arguments, and its subcommands.
struct ToolHelp {
    var name: String
    var longOptions: Set<String>
    var abstracts: [String]
    var subcommands: [ToolHelp]

    /// Runs `executable --experimental-dump-help` and reads its command tree.
    static func dump(_ executable: URL) throws -> ToolHelp {
        let run = try CompletedProcess.run(executable, ["--experimental-dump-help"])
        guard run.status == 0,
              let root = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
              let command = root["command"] as? [String: Any]
        else { throw DaemonError("\(executable.path) --experimental-dump-help: status \(run.status), \(run.stderr)") }
        return ToolHelp(command)
    }

    init(_ command: [String: Any]) {
        name = command["commandName"] as? String ?? ""
        let arguments = command["arguments"] as? [[String: Any]] ?? []
        longOptions = Set(arguments.flatMap { argument in
            (argument["names"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String == "long" ? $0["name"] as? String : nil }
        })
        abstracts = arguments.compactMap { $0["abstract"] as? String }
        subcommands = (command["subcommands"] as? [[String: Any]] ?? []).map(ToolHelp.init)
    }

    /// The `[CASEPULSE_…]` variables an abstract names.
    static func environmentVariables(in abstract: String) -> [String] {
        abstract.split(separator: "[").compactMap { part in
            guard part.hasPrefix("CASEPULSE_"), let end = part.firstIndex(of: "]") else { return nil }
            return String(part[..<end])
        }
    }
}
