#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Spaces out actions to a steady rate: ``wait()`` sleeps until the next slot.
///
/// A pacer that falls behind (the caller was slow) catches up with a burst of at most
/// ``burst`` of time, then keeps the rate again.
public struct Pacer: Sendable {
    /// Actions per second; `nil` or non-positive means no limit (``wait()`` returns at once).
    public let rate: Double?
    /// The most lost time a late caller may make up with a burst.
    public let burst: Duration
    private let spacing: Duration?
    private var next: ContinuousClock.Instant

    /// Creates a pacer.
    ///
    /// - Parameters:
    ///   - rate: Actions per second, `nil` for no limit.
    ///   - burst: How much lost time may be made up at once.
    public init(rate: Double?, burst: Duration = .milliseconds(250)) {
        self.rate = rate
        self.burst = burst
        if let rate, rate > 0 {
            spacing = .nanoseconds(Int64(max(1, (1e9 / rate).rounded())))
        } else {
            spacing = nil
        }
        next = .now
    }

    /// Sleeps until the next slot, then books it.
    public mutating func wait() {
        guard let spacing else { return }
        let now = ContinuousClock.now
        if next > now {
            Self.sleep(next - now)
        } else if now - next > burst {
            next = now - burst
        }
        next += spacing
    }

    /// How long until the next slot (zero when it is due).
    public var untilNext: Duration {
        max(.zero, next - .now)
    }

    /// Sleeps for `duration` on the current thread; a signal cuts the sleep short, so a loop
    /// checking a `SIGINT` flag reacts at once.
    static func sleep(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        _ = nanosleep(&request, &remaining)
    }
}
