import CasePulseCore

/// What a run of the engine in this process measured: the events it took, how long that took,
/// the cases it ended with, how much this process's resident set grew, and the engine's tables.
/// Both in-process modes report it: the engine alone (``LiveApplyRun``) and the replay
/// (``ReplayRun``).
public struct EngineRunFigures: Sendable {
    /// Events taken.
    public var events: Int
    /// Seconds the timed part took (the live run: decoding, applying and publishing; the replay:
    /// the recovery).
    public var seconds: Double
    /// Events per second.
    public var eventsPerSecond: Double { Double(events) / seconds }
    /// Cases the engine holds at the end.
    public var cases: Int
    /// Growth of this process's resident set (`VmRSS`) over the timed part: the engine's tables,
    /// the allocator's slack and whatever else the run held then (a replay: SQLite's page cache and
    /// what the allocator kept of its deferred figures), without any ingest backlog.
    public var residentGrowthBytes: Int
    /// The engine's tables, table by table.
    public var memory: EngineMemory
}
