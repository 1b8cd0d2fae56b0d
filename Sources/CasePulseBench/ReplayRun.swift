import CasePulseCore
import CasePulseStore
import CasePulseWire
import Foundation

/// Replay speed: a state directory whose journal holds the benchmark's events (no checkpoint),
/// rebuilt in this process by the daemon's own recovery (`StateStore.recover`): read, decode and
/// apply every journal event.
public enum ReplayRun {
    /// Replay figures.
    public struct Figures: Sendable {
        /// The replay: events replayed, the seconds the recovery took, the cases it rebuilt, the
        /// resident set's growth meanwhile and the rebuilt engine's tables.
        public var engine: EngineRunFigures
        /// Seconds the first checkpoint after the replay took — every replayed case copied off the
        /// engine and written as a record by the checkpoint writer, as a daemon's first checkpoint
        /// after a crash does.
        public var checkpointSeconds: Double
    }

    /// Journals `events` events (three per case) into `stateDirectory` and times their recovery.
    static func measure(events: Int, stateDirectory: String) throws -> Figures {
        try write(events: events, stateDirectory: stateDirectory)
        let residentBefore = DaemonProcess.statusField("VmRSS", pid: getpid())
        let started = ContinuousClock.now
        let store = try StateStore(directory: stateDirectory, fsync: .batch)
        let (engine, recovery) = try store.recover(configuration: BenchEventFeed.engineConfiguration)
        let seconds = (ContinuousClock.now - started).seconds
        let residentGrowth = DaemonProcess.statusField("VmRSS", pid: getpid()) - residentBefore
        guard recovery.journalEvents == events, engine.caseCount == (events + 2) / 3 else {
            throw BenchError("replay rebuilt \(recovery.journalEvents) events and \(engine.caseCount) cases, expected \(events)")
        }
        let memory = engine.memory()
        let checkpointStarted = ContinuousClock.now
        try store.checkpoint(engine)
        try store.waitForCheckpoint()
        let checkpointSeconds = (ContinuousClock.now - checkpointStarted).seconds
        return Figures(
            engine: EngineRunFigures(
                events: events, seconds: seconds, cases: engine.caseCount, residentGrowthBytes: max(0, residentGrowth),
                memory: memory),
            checkpointSeconds: checkpointSeconds)
    }

    private static func write(events: Int, stateDirectory: String) throws {
        let store = try StateStore(directory: stateDirectory, fsync: .off)
        let decoder = EventDecoder()
        var feed = BenchEventFeed(eventsPerCase: 3)
        for index in 0..<events {
            // Journaled as the daemon does: the body as received, once it decoded.
            let refusal: Refusal? = feed.withBody(index) { body in
                switch decoder.decode(body, now: Int64(Int32.max)) {
                case .success:
                    store.append(body: body)
                    return nil
                case .failure(let refusal): return refusal
                }
            }
            if let refusal { throw BenchError("the benchmark's own event \(index) is refused: \(refusal)") }
            if index % 4096 == 4095 { try store.commit() }
        }
        try store.commit()
    }
}
