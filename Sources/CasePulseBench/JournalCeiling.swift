import CasePulseCore
import CasePulseStore
import Foundation
import Histogram

/// The disk's share of event-to-KVPUB latency: the same events at the same steady rate made
/// durable by the daemon's own journal (``StateStore/append(body:)`` and ``StateStore/commit()``,
/// `--fsync batch`: `pwrite` and `fdatasync` of each batch) — no sockets, no decoding, no engine.
///
/// The daemon publishes a figure only once the events in it are durable, so no event of a
/// latency run can be published sooner than this loop makes it durable; its percentiles are the
/// floor of the daemon's, as the transport ceiling is the roof of its throughput. Events fall due
/// on the rate's schedule; whatever fell due while a commit ran goes into the next commit (group
/// commit, as in the daemon), and an event's latency is the end of the commit that holds it minus
/// the moment it fell due.
enum JournalCeiling {
    /// Commits `count` events falling due at `rate` per second into a new state in
    /// `stateDirectory`; the first `warmup` events are not counted.
    static func measure(stateDirectory: String, rate: Double, count: Int, warmup: Int) throws -> LatencyRun.Figures {
        let store = try StateStore(directory: stateDirectory, fsync: .batch)
        // As a daemon's start does: the journal's first files made ready before any event.
        _ = try store.recover(configuration: BenchEventFeed.engineConfiguration)
        var feed = BenchEventFeed(eventsPerCase: 1)
        var histogram = LatencyRun.histogram()
        let period = 1e9 / rate
        let start = MonotonicClock.nanoseconds()
        func due(_ index: Int) -> UInt64 { start + UInt64(Double(index) * period) }
        var next = 0
        while next < count {
            let now = MonotonicClock.nanoseconds()
            let fallen = min(count, Int(Double(now - start) / period) + 1)
            guard fallen > next else {
                // `due` rounds down, so the next event may already be due by a nanosecond.
                let wake = due(next)
                if wake > now { MonotonicClock.sleep(nanoseconds: wake - now) }
                continue
            }
            for index in next..<fallen { feed.withBody(index) { store.append(body: $0) } }
            try store.commit()
            let durable = MonotonicClock.nanoseconds()
            for index in next..<fallen where index >= warmup { histogram.record(durable - due(index)) }
            next = fallen
        }
        return LatencyRun.figures(histogram, rate: rate, sent: count)
    }
}
