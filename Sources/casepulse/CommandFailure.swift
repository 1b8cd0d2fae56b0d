import ArgumentParser
import CasePulseClient

/// Runs a command body, turning any error other than an exit code into one line on standard error,
/// `casepulse: …`, and a non-zero exit status: ``keyRefusedStatus`` when the daemon refused this
/// client's CURVE key, 1 for everything else.
enum CommandFailure {
    /// sysexits(3) `EX_NOPERM`: the daemon refused this client's key (it is not, or no longer, in
    /// its `--subscriber-keys`), so retrying will not help until an operator lists it.
    static let keyRefusedStatus: Int32 = 77

    /// Runs `body`; errors become a `casepulse: …` line and their exit status.
    static func reporting(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Terminal.writeError("casepulse: \(error)\n")
            throw exitCode(for: error)
        }
    }

    /// The exit status `error` ends the command with.
    static func exitCode(for error: any Error) -> ExitCode {
        if case .subscriberKeyRefused? = error as? CasePulseClientError { return ExitCode(keyRefusedStatus) }
        return .failure
    }
}
