import ArgumentParser
import CasePulseLifecycle
import Foundation

extension CasePulseDaemon {
    /// Parses the arguments and runs, as ArgumentParser's own `main` does, except that a usage
    /// error (an unknown option, a value that does not parse) ends the daemon like every other
    /// refusal: one line on standard error, `casepulsed: Unknown option '--no-such-flag' (see
    /// casepulsed --help)`, and status 64 (`EX_USAGE`), where ArgumentParser printed the error,
    /// the usage and a help hint on three or four lines. Help requests print as before.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if let daemon = command as? CasePulseDaemon {
                try await daemon.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            exit(withError: refusal(
                "\(message) (see casepulsed --help)", status: ExitCode.validationFailure.rawValue,
                style: LogStyle.detect(environment: ProcessInfo.processInfo.environment)))
        }
    }
}
