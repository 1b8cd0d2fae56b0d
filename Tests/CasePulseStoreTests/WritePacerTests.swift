import Testing

@testable import CasePulseStore

/// A routine checkpoint's writer pauses after every 2,048 records, having started the write-back
/// of what it wrote: the policy, counted rather than timed.
@Suite struct WritePacerTests {
    @Test func itPausesAfterEveryBlockOfRecords() {
        var events: [String] = []
        var pacer = WritePacer(budget: .seconds(10), writeBack: { events.append("write-back") }, sleep: { events.append("pause \($0)") })
        for _ in 0..<(WritePacer.records - 1) { pacer.recordWritten() }
        #expect(events.isEmpty)
        pacer.recordWritten()
        #expect(events == ["write-back", "pause \(WritePacer.pause)"])
        for _ in 0..<(2 * WritePacer.records) { pacer.recordWritten() }
        #expect(events.count == 6)
    }

    /// Pauses only spend the budget: once the writing has taken it, the writer goes on at full
    /// speed, still starting the log's write-back; with none (a bulk load's checkpoints) it does
    /// neither.
    @Test func itStopsPausingOnceTheBudgetIsSpent() {
        let start = ContinuousClock.now
        var clock = start
        var pauses = 0, writeBacks = 0
        var pacer = WritePacer(
            budget: .milliseconds(10), now: { clock }, writeBack: { writeBacks += 1 },
            sleep: { pause in
                pauses += 1
                clock += pause
            })
        for _ in 0..<(10 * WritePacer.records) { pacer.recordWritten() }
        #expect(writeBacks == 10)
        #expect(pauses == 3, "3 pauses of 3 ms fit 10 ms")
        var none = WritePacer(budget: .zero, writeBack: { writeBacks += 1 }, sleep: { _ in pauses += 1 })
        for _ in 0..<(3 * WritePacer.records) { none.recordWritten() }
        #expect(pauses == 3 && writeBacks == 10, "no budget: neither a pause nor a write-back")
    }
}
