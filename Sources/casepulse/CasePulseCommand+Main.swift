import ArgumentParser

extension CasePulseCommand {
    /// Parses the arguments and runs, as ArgumentParser's own `main` does, except that a usage
    /// error (an unknown option or subcommand, a value that does not parse or is refused) prints
    /// one line on standard error, as every other failure of casepulse does —
    /// `casepulse: Unknown option '--bogus' (see casepulse publish --help)` — and exits 64
    /// (`EX_USAGE`), where ArgumentParser printed the error, the usage and a help hint on three or
    /// four lines. Help requests print as before.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            // An exit status of 64 thrown as such has no message to put on the line.
            guard exitCode(for: error) == .validationFailure, !message(for: error).isEmpty else { exit(withError: error) }
            Terminal.writeError("casepulse: \(usageLine(for: error))\n")
            exit(withError: ExitCode.validationFailure)
        }
    }

    /// The one line a usage error is reported in: the first line of ArgumentParser's message, and
    /// where the help of the command involved is (the hint of ArgumentParser's full message).
    static func usageLine(for error: any Error) -> String {
        let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        let full = fullMessage(for: error)
        var help = "casepulse --help"
        if let open = full.range(of: "See '"), let close = full[open.upperBound...].firstIndex(of: "'") {
            help = String(full[open.upperBound..<close])
        }
        return "\(message) (see \(help))"
    }
}
