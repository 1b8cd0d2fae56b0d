import ArgumentParser

/// Runs a command body, turning any error other than an exit code into one line on standard error,
/// `casepulse: …`, and exit status 1.
enum CommandFailure {
    /// Runs `body`; errors become a `casepulse: …` line and ``ExitCode/failure``.
    static func reporting(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Terminal.writeError("casepulse: \(error)\n")
            throw ExitCode.failure
        }
    }
}
