/// What `casepulse bench` measures and with what.
public struct BenchOptions: Sendable {
    /// The daemon's own default `checkpoint-events`.
    public static let defaultCheckpointEvents = 200_000

    /// The `casepulsed` binary to run.
    public var daemonBinary: String
    /// Cases of the largest size (three events each); the smaller sizes are a quarter and a half.
    public var cases: Int
    /// Events replayed from the journal.
    public var replayEvents: Int
    /// Seconds of each steady-rate latency run.
    public var latencySeconds: Double
    /// The steady rates of the latency runs, events per second.
    public var latencyRates: [Double]
    /// Events of one more latency run at the first rate on the restarted state, long enough to
    /// span the daemon's checkpoints (every ``checkpointEvents`` events); `0` skips it.
    public var sustainedEvents: Int
    /// `--checkpoint-events` of every daemon the bench starts, and what the report judges the
    /// sustained run by.
    public var checkpointEvents: Int
    /// First of the loopback ports used: the daemons take the first four, the ceiling the port 10
    /// above it, the transport latency relay the two after that.
    public var basePort: Int
    /// Where state directories and daemon logs go (a fresh directory under it).
    public var workDirectory: String
    /// Keep the work directory afterwards.
    public var keep: Bool

    /// Options with the defaults of the README's table.
    public init(
        daemonBinary: String, cases: Int = 1_000_000, replayEvents: Int = 1_000_000, latencySeconds: Double = 5,
        latencyRates: [Double] = [10_000, 100_000], sustainedEvents: Int = 250_000,
        checkpointEvents: Int = BenchOptions.defaultCheckpointEvents, basePort: Int = 27_600,
        workDirectory: String = "/tmp", keep: Bool = false
    ) {
        self.daemonBinary = daemonBinary
        self.cases = cases
        self.replayEvents = replayEvents
        self.latencySeconds = latencySeconds
        self.latencyRates = latencyRates
        self.sustainedEvents = sustainedEvents
        self.checkpointEvents = checkpointEvents
        self.basePort = basePort
        self.workDirectory = workDirectory
        self.keep = keep
    }
}
