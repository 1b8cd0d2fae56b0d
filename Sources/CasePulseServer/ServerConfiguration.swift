import CasePulseCore
import Foundation

/// Everything the server needs: endpoints, publishing cadence, limits and the engine's calendar.
///
/// The defaults are the contract's: snapshot `tcp://127.0.0.1:7600`, updates `:7601`, best-effort
/// ingest `:7602`, reliable ingest `:7603` — the Clone pattern's P, P+1, P+2 layout.
public struct ServerConfiguration: Sendable {
    /// ROUTER bind answering CHP snapshot requests.
    public var snapshotEndpoint = "tcp://127.0.0.1:7600"
    /// PUB bind sending CHP updates and heartbeats.
    public var publishEndpoint = "tcp://127.0.0.1:7601"
    /// SUB binds for producers' PUB sockets.
    public var ingestBinds = ["tcp://127.0.0.1:7602"]
    /// SUB connects to producers' PUB binds.
    public var ingestConnects: [String] = []
    /// ROUTER binds for acknowledged ingest.
    public var reliableEndpoints = ["tcp://127.0.0.1:7603"]
    /// Coalescing interval for updates, in milliseconds; 0 publishes after every batch of messages.
    /// Between two publishes ingest holds the figures back, one entry per (day, place, agency),
    /// and each publish, snapshot request or checkpoint adds them to their keys first: so a bulk
    /// load updates some forty keys per entry rather than per event. With 0 events are applied
    /// directly.
    public var publishIntervalMilliseconds = 100
    /// Heartbeat (HUGZ) interval, in milliseconds.
    public var heartbeatMilliseconds = 1000
    /// Largest event body accepted; larger ones are refused as `too_large`.
    public var maxEventBytes = 65_536
    /// Receive high-water mark of the ingest sockets (messages queued per connection). With
    /// `--fsync batch` or `off` (``receivesWithoutCopy``) a queued event of the bench's 231 bytes
    /// costs the daemon about 690 bytes when events come in bursts (its share of the 18 KiB buffer
    /// of the 8 KiB read that brought it and some 35 others, and libzmq's message slots), so the
    /// default bounds a busy connection's backlog to about 6.9 MB: some 20 ms of the daemon's full
    /// ingest rate. Events that each came in a read of their own keep a buffer each (about 8.6 KB
    /// resident; a full queue of them some 84 MB): a backlog of those needs a connection that sends
    /// one at a time faster than the daemon reads it. With `--fsync always` each event is
    /// copied (about 460 bytes; 4.6 MB). The bound is per connection: a hundred producers could
    /// hold a hundred times as much.
    public var ingestHighWaterMark: Int32 = 10_000
    /// Most messages handled from one socket before the loop looks at the others.
    public var batchSize = 4096
    /// The engine's calendar and retention.
    public var engine = EngineConfiguration(timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .gmt)
    /// Where all durable state lives; `nil` keeps state in memory only (tests, demos).
    public var stateDirectory: String?
    /// Durability of acknowledged events.
    public var fsync = FsyncMode.batch

    /// Whether the ingest sockets receive without a copy (libzmq's zero-copy receive): yes but
    /// with `--fsync always`.
    ///
    /// Without a copy, libzmq's I/O thread reads up to 8 KiB at a time into one buffer and every
    /// frame read from it points into that buffer, so the server thread frees one buffer per some
    /// 35 events rather than a copy per event made on the I/O thread — freeing those went through
    /// glibc's lock on that thread's arena, contended with its allocations (`perf`: `_int_free`
    /// and the futex wake-ups some 8% of the server thread's samples at full ingest).
    /// 1,000,000-case ingest, alternating: 523.5k / 534.8k ev/s against 449.6k / 447.9k with
    /// copies, VmHWM 366 against 361 / 364 MiB.
    ///
    /// The price: a queued frame keeps its whole buffer alive, and frames that came one per read
    /// keep a buffer each (``ingestHighWaterMark``): a SUB that did not read, 10,000 events of
    /// 231 B sent one every 50 µs, grew by 84 MB, against 4.1 MB with copies (sent back to back,
    /// 10.2 against 9.0 MB). With `--fsync always` every event waits for its own sync, so any
    /// producer faster than the disk fills its queue that way; there each event is copied (about
    /// 460 B), and the copy costs nothing next to the sync.
    public var receivesWithoutCopy: Bool { fsync != .always }

    /// A checkpoint folds the journal into the stored records after this many events…
    public var checkpointEvents = 200_000
    /// …or after this many seconds with events pending.
    public var checkpointSeconds: Int64 = 60
    /// Socket security (CURVE); `nil` runs every socket in the clear.
    public var security: (any SocketSecurity)?
    /// Called from the server's own loop at least every ``tickIntervalMilliseconds`` while the loop
    /// is healthy — the hook for a systemd watchdog that must stop when the engine is wedged. Runs
    /// on the loop's thread: keep it short.
    public var onTick: (@Sendable (ServerStatus) -> Void)?
    /// Interval of ``onTick`` calls, in milliseconds.
    public var tickIntervalMilliseconds = 1000

    /// The default configuration.
    public init() {}
}
