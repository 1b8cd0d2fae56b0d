import Logging
import Synchronization

/// Holds back the informational lines logged while the daemon starts, so that a start that fails
/// says one line — the reason — and a start that succeeds shows everything in order. Warnings
/// and worse are never held.
public final class StartupLogGate: Sendable {
    private let write: @Sendable (String) -> Void
    private let state = Mutex<(holding: Bool, held: [String])>((true, []))

    /// A gate in front of `write` (stderr by default), holding from the start.
    public init(write: @escaping @Sendable (String) -> Void = { DaemonLogHandler.writeToStandardError($0) }) {
        self.write = write
    }

    /// A ``DaemonLogHandler`` sink: writes `line` now, or holds it when it is below warning and the
    /// daemon has not started yet.
    public func emit(_ level: Logger.Level, _ line: String) {
        let hold = state.withLock { state in
            if state.holding, level < .warning {
                state.held.append(line)
                return true
            }
            return false
        }
        if !hold { write(line) }
    }

    /// The daemon started: writes what was held and stops holding.
    public func open() {
        let held = state.withLock { state in
            state.holding = false
            defer { state.held = [] }
            return state.held
        }
        for line in held { write(line) }
    }

    /// The daemon did not start: forgets what was held (the failure line says what matters).
    public func discard() {
        state.withLock { $0.held = [] }
    }
}
