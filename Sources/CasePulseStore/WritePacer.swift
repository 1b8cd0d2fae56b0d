#if canImport(Glibc)
import Glibc
#endif

/// Spreads a routine checkpoint's writes out: after every ``records`` records the writer starts
/// the write-back of what SQLite has written to its log so far and pauses ``pause``.
///
/// Written at full speed, a checkpoint of 200,000 records reached the disk as one burst at its
/// commit, and the journal's `fdatasync`s — which every published figure waits for — queued
/// behind it: the sustained latency run's p99 went from 0.54 ms without a checkpoint to 0.96–1.32
/// ms with one. Paced, five alternating pairs of reduced runs at 1,000,000 cases gave p99 0.64–0.85
/// ms in four and 1.47 in one, against 0.76–1.32 ms.
///
/// Only a checkpoint that follows the previous one by ``slowestBulkInterval`` or more is paced, and
/// its pauses spend at most half that time (``budget``): paced during a bulk load, even within half
/// the interval, checkpoints delayed the next cuts, which then copied more cases at once — ingest
/// 364–395k against 461k ev/s, the daemon's peak 399–416 against 376 B per case.
struct WritePacer {
    /// Records between pauses.
    static let records = 2_048
    /// Each pause.
    static let pause = Duration.milliseconds(3)
    /// The interval between checkpoints below which events come too fast for pauses: 200,000
    /// events (the default `checkpoint-events`) in 5 s is 40,000 a second.
    static let slowestBulkInterval = Duration.seconds(5)

    /// How long the writing may take with its pauses.
    let budget: Duration
    private let started: ContinuousClock.Instant
    private let now: () -> ContinuousClock.Instant
    private let writeBack: () -> Void
    private let sleep: (Duration) -> Void
    private var count = 0

    /// A pacer for writing that started at `now()` and may take `budget`: after every ``records``
    /// records it calls `writeBack`, then `sleep` if the pause still fits the budget.
    init(
        budget: Duration, now: @escaping () -> ContinuousClock.Instant = { .now },
        writeBack: @escaping () -> Void, sleep: @escaping (Duration) -> Void
    ) {
        self.budget = budget
        self.now = now
        self.started = now()
        self.writeBack = writeBack
        self.sleep = sleep
    }

    /// Counts one record written; pauses when it is due and fits the budget. With no budget it
    /// does nothing: a bulk load's writer neither pauses nor starts write-back early (which drops
    /// the log's pages from the cache, so that SQLite reads them back to fold the log in).
    mutating func recordWritten() {
        count += 1
        guard budget > .zero, count % Self.records == 0 else { return }
        writeBack()
        if now() - started + Self.pause <= budget { sleep(Self.pause) }
    }
}

extension WritePacer {
    /// Calls `body` with a pacer of `budget` for the state database at `databasePath`: its write-back starts
    /// that of the dirty pages of the database's write-ahead log (`posix_fadvise`, which does not
    /// wait), through a descriptor of its own, closed afterwards. Without the log (it cannot be
    /// opened), the pacer only pauses.
    static func pacing<R>(databasePath: String, budget: Duration, _ body: (inout WritePacer) throws -> R) rethrows -> R {
        // With no budget the pacer does nothing: no descriptor either.
        let log = budget > .zero ? open(databasePath + "-wal", O_RDONLY | O_CLOEXEC) : -1
        defer { if log >= 0 { close(log) } }
        var pacer = WritePacer(
            budget: budget,
            writeBack: { if log >= 0 { _ = posix_fadvise(log, 0, 0, POSIX_FADV_DONTNEED) } },
            sleep: { pause in usleep(UInt32(pause / .microseconds(1))) })
        return try body(&pacer)
    }
}
