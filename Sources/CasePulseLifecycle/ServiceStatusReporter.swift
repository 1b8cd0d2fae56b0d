import CasePulseServer
import Synchronization

/// Turns the server's ticks into `WATCHDOG=1` pings and `STATUS=` lines for `systemctl status`.
///
/// ``tick(_:)`` is meant for ``ServerConfiguration/onTick``: it runs on the server's own loop
/// thread, so the pings stop when the loop is wedged and systemd restarts the daemon. Set the
/// server's tick interval to ``tickInterval`` so that a tick comes at least once per ping period.
public final class ServiceStatusReporter: Sendable {
    private let notifier: SystemdNotifier
    /// How often the server should call ``tick(_:)``: once a second, or half the watchdog
    /// interval when that is shorter.
    public let tickInterval: Duration
    private let state = Mutex(State())

    private struct State {
        var lastPing: ContinuousClock.Instant?
        var lastSample: (accepted: Int64, at: ContinuousClock.Instant)?
        var lastStatus = ""
    }

    /// Creates a reporter sending through `notifier`.
    public init(notifier: SystemdNotifier) {
        self.notifier = notifier
        if let interval = notifier.watchdogInterval {
            tickInterval = max(.milliseconds(10), min(.seconds(1), interval))
        } else {
            tickInterval = .seconds(1)
        }
    }

    /// ``tickInterval`` in whole milliseconds, for ``ServerConfiguration/tickIntervalMilliseconds``.
    public var tickIntervalMilliseconds: Int {
        Int(tickInterval.components.seconds * 1000 + tickInterval.components.attoseconds / 1_000_000_000_000_000)
    }

    /// Called on every server tick: pings the watchdog when its half-period is (about to be) up and
    /// sends the status line when it changed.
    public func tick(_ status: ServerStatus, now: ContinuousClock.Instant = .now) {
        let assignments: [String] = state.withLock { state in
            var assignments: [String] = []
            if let interval = notifier.watchdogInterval {
                // Ping when waiting for the next tick would pass the half-period.
                if state.lastPing.map({ now - $0 + tickInterval > interval }) ?? true {
                    assignments.append("WATCHDOG=1")
                    state.lastPing = now
                }
            }
            var rate = 0.0
            if let sample = state.lastSample {
                let seconds = Double((now - sample.at).components.seconds) + Double((now - sample.at).components.attoseconds) / 1e18
                if seconds > 0 { rate = Double(status.accepted - sample.accepted) / seconds }
            }
            state.lastSample = (status.accepted, now)
            let line = Self.statusLine(status, eventsPerSecond: rate)
            if line != state.lastStatus {
                assignments.append("STATUS=\(line)")
                state.lastStatus = line
            }
            return assignments
        }
        if !assignments.isEmpty { notifier.notify(assignments) }
    }

    /// E.g. `serving: 120 events/s, 102135 accepted, 3 refused, 4521 keys, seq 88213, last gap jn-app: 5…7`,
    /// and, once a snapshot request was refused as unauthorized (a subscriber key revoked by a
    /// reload), `, 2 snapshots refused` at the end.
    public static func statusLine(_ status: ServerStatus, eventsPerSecond: Double) -> String {
        let rate = eventsPerSecond < 10 ? (eventsPerSecond * 10).rounded() / 10 : eventsPerSecond.rounded()
        let rateText = rate == rate.rounded() ? String(Int64(rate)) : String(rate)
        let snapshots = switch status.snapshotsRefused {
        case 0: ""
        case 1: ", 1 snapshot refused"
        case let count: ", \(count) snapshots refused"
        }
        return "serving: \(rateText) events/s, \(status.accepted) accepted, \(status.rejected) refused, "
            + "\(status.keys) keys, seq \(status.sequence), "
            + (status.lastGap.map { "last gap \($0)" } ?? "no gaps") + snapshots
    }
}
