import CasePulseCore
import CasePulseWire
import Foundation

/// The engine alone, driven as the daemon's ingest drives it but in this process and with no socket
/// or journal: events decoded in place (`EventDecoder.decodeView`), kept in batches of
/// ``batchSize`` as the server loop keeps each batch it receives, and each batch applied whole
/// (``Engine/applyReportingGaps(_:_:)``, looking ahead), its figures held back until the next
/// publish as the daemon holds them when its publish interval is not 0
/// (``Engine/settleFiguresIfFull(entries:)`` bounding what is held, its additions made on a
/// ``SettleAdder``'s thread as the daemon's are), the changes published every ``publishEvery``
/// events (about the default 100 ms at the daemon's ingest rate) as the server loop publishes them
/// when no subscriber asked for the figures (every change numbered and its key named, no figures
/// named), into a sink that only counts the key bytes. What the server thread spends on its own
/// work, and what the live engine's tables take per case — the part of the daemon's peak that grows
/// with cases.
public enum LiveApplyRun {
    /// Live-apply figures.
    public typealias Figures = EngineRunFigures

    /// Events between two publishes.
    static let publishEvery = 32_768

    /// Events applied together: the most the server loop receives at once.
    static let batchSize = 32

    /// Applies `events` events of the benchmark's feed (three per case) to a new engine.
    static func measure(events: Int) throws -> Figures {
        let decoder = EventDecoder()
        var feed = BenchEventFeed(eventsPerCase: 3)
        let residentBefore = DaemonProcess.statusField("VmRSS", pid: getpid())
        let started = ContinuousClock.now
        let engine = Engine(configuration: BenchEventFeed.engineConfiguration)
        engine.settleAdder = SettleAdder()
        var published = 0
        engine.deferFigures()
        var taken = CaseEventBatch()
        for index in 0..<events {
            let refusal: Refusal? = feed.withBody(index) { body in
                switch decoder.decodeView(body, now: Int64(Int32.max)) {
                case .success(let event):
                    taken.append(event)
                    return nil
                case .failure(let refusal): return refusal
                }
            }
            if let refusal { throw BenchError("the benchmark's own event \(index) is refused: \(refusal)") }
            let publishes = index % publishEvery == publishEvery - 1 || index == events - 1
            if taken.count == batchSize || publishes {
                guard engine.hasRoom(forTextsOf: taken) else { throw BenchError("the engine's store of texts is full") }
                engine.applyReportingGaps(taken) { _, _, _ in engine.settleFiguresIfFull() }
                taken.removeAll(keepingCapacity: true)
            }
            if publishes {
                engine.publishChanges(namingFigures: false, values: { key, _, _ in published &+= key.count })
                engine.deferFigures()
            }
        }
        let seconds = (ContinuousClock.now - started).seconds
        let residentGrowth = DaemonProcess.statusField("VmRSS", pid: getpid()) - residentBefore
        guard engine.ingest.accepted == Int64(events), published > 0 else {
            throw BenchError("the engine accepted \(engine.ingest.accepted) of \(events) events")
        }
        return Figures(
            events: events, seconds: seconds, cases: engine.caseCount, residentGrowthBytes: max(0, residentGrowth),
            memory: engine.memory())
    }
}
