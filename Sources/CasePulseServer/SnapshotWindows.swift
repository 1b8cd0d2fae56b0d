/// The subtrees of recent snapshot requests, for which the loop hands the publish thread every
/// change until its own copy of the subscriptions covers them.
///
/// A Clone client subscribes, then asks for a snapshot; its subscription reaches the loop's copy
/// of the subscriptions (``SubscriptionFilter``) only after the publish thread has read it, so
/// for a while the loop would drop, unnamed, changes the client wants. While a request's window
/// is open the loop hands over every change and the publish thread, which reads the
/// subscriptions just before it sends, decides.
///
/// A window is open while no prefix in the loop's copy covers the request's subtree (every key
/// under it is then handed over anyway) and it has not expired. It is only forgotten when it
/// expires: a covering prefix that another subscriber drops within that time opens it again.
/// Before, every request opened a window of the full length whatever was subscribed, and during
/// a bulk load a readiness probe's request had the loop name and copy every changed figure for
/// the publish thread to drop: some 40 MB of batches at 1,000,000 cases.
struct SnapshotWindows {
    /// How long a request's window stays open at most.
    static let length = Duration.seconds(5)

    private var pending: [(subtree: [UInt8], until: ContinuousClock.Instant)] = []

    /// No windows.
    init() {}

    /// Opens a window for a request for `subtree`, made at `now`.
    mutating func open(subtree: [UInt8], at now: ContinuousClock.Instant) {
        pending.removeAll { $0.subtree == subtree }
        pending.append((subtree, now + Self.length))
    }

    /// Whether some window is open at `now` with `subscriptions` as the loop holds them; forgets
    /// the expired ones.
    mutating func isOpen(at now: ContinuousClock.Instant, covering subscriptions: SubscriptionFilter) -> Bool {
        guard !pending.isEmpty else { return false }
        pending.removeAll { $0.until <= now }
        return pending.contains { window in
            !window.subtree.withUnsafeBytes { subscriptions.matches($0) }
        }
    }
}
