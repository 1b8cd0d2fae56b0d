import CasePulseCore
import Testing

@Suite struct ProducerSequenceTests {
    @Test func countsHolesAndFillsThemWhenLateNumbersArrive() {
        var producer = ProducerSequence()
        for seq: UInt64 in [1, 2, 3] { producer.record(seq: seq) }
        #expect(producer.missing == 0 && producer.gaps == 0 && producer.lastSeq == 3)
        #expect(producer.record(seq: 7) == 4...6)
        #expect(producer.missing == 3 && producer.gaps == 1)
        producer.record(seq: 10)
        #expect(producer.missing == 5 && producer.gaps == 2 && producer.lastSeq == 10)
        producer.record(seq: 5)  // splits 4...6
        #expect(producer.holes == [4...4, 6...6, 8...9])
        producer.record(seq: 2)  // an old number redelivered: not a gap, not a fill
        #expect(producer.missing == 4 && producer.gaps == 2)
        for seq: UInt64 in [4, 6, 9, 8] { producer.record(seq: seq) }
        #expect(producer.missing == 0 && producer.holes.isEmpty && producer.gaps == 2)
        #expect(producer.events == 11)
    }

    @Test func aFirstNumberAboveOneReportsTheNumbersBefore() {
        var producer = ProducerSequence()
        #expect(producer.record(seq: 5) == 1...4)
        #expect(producer.missing == 4)
        producer.record(seq: nil)
        #expect(producer.events == 2 && producer.lastSeq == 5)
    }

    @Test func aHugeJumpCostsOneRange() {
        var producer = ProducerSequence()
        producer.record(seq: 1)
        producer.record(seq: 1_000_000_001)
        #expect(producer.missing == 999_999_999 && producer.holes.count == 1)
        #expect(producer.json == #"{"events":2,"last_seq":1000000001,"gaps":1,"missing":999999999}"#)
    }
}
