import ArgumentParser
import CasePulseClient

/// Runs a command body, turning any error other than an exit code into one line on standard error,
/// `casepulse: …`, and a non-zero exit status: ``keyRefusedStatus`` when the daemon refused this
/// client's CURVE key, ``handshakeFailedStatus`` when the handshakes failed before it had a say,
/// 1 for everything else.
enum CommandFailure {
    /// sysexits(3) `EX_NOPERM`: the daemon refused this client's key (it is not, or no longer, in
    /// its `--subscriber-keys`), so retrying will not help until an operator lists it.
    static let keyRefusedStatus: Int32 = 77

    /// sysexits(3) `EX_CONFIG`: the security handshakes kept failing before the daemon's ZAP
    /// handler had a say — a `--server-key` that is not the daemon's, or CURVE on one side only —
    /// so retrying will not help until the client's options are mended.
    static let handshakeFailedStatus: Int32 = 78

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
        switch error as? CasePulseClientError {
        case .subscriberKeyRefused?: return ExitCode(keyRefusedStatus)
        case .handshakeFailed?: return ExitCode(handshakeFailedStatus)
        default: break
        }
        return .failure
    }
}
