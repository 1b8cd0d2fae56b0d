import Testing

@testable import CasePulseCore

@Suite struct JSONBytesTests {
    @Test(arguments: [Int64.min, -1_000_000_007, -1, 0, 7, 10, 999, 1_000_000_000_000, Int64.max])
    func integersAreWrittenAsSwiftPrintsThem(_ value: Int64) {
        var out = JSONBytes()
        out.append(value)
        #expect(out.string == "\(value)")
    }

    @Test(arguments: [Int128.min, Int128(Int64.min) - 1, -5, 0, Int128(Int64.max) + 1, 123_456_789_012_345_678_901_234_567, Int128.max])
    func wideAmountsAreWrittenAsSwiftPrintsThem(_ value: Int128) {
        var out = JSONBytes()
        out.append(value)
        #expect(out.string == "\(value)")
    }

    @Test(arguments: [0.0, 1.0, 0.5, 1.0 / 3.0, 99_173.0 / 102_135.0, 1e-7, 123_456_789.125])
    func doublesAreWrittenInTheirShortestForm(_ value: Double) {
        var out = JSONBytes()
        out.append(value)
        #expect(out.string == "\(value)")
        #expect(Double(out.string) == value)
    }

    @Test func anAggregateValueIsTheDocumentedObject() {
        var aggregate = Aggregate()
        aggregate.filed = 3
        aggregate.filedOnline = 2
        aggregate.decided = 1
        aggregate.add(decision: .noPenalty, 1)
        aggregate.add(reason: .firstOffense, 1)
        aggregate.waivedFen = Int128(Int64.max) * 4
        aggregate.add(party: 9)
        #expect(aggregate.json == """
            {"filed":3,"filed_online":2,"online_rate":0.6666666666666666,"decided":1,"no_penalty":1,\
            "reduced":0,"lighter":0,"standard":0,"heavier":0,"no_penalty_by_reason":{"minor":0,\
            "first_offense":1,"no_fault":0},"fine_fen":0,"waived_fen":36893488147419103228,\
            "beneficiaries":1,"closed":0,"closure_rate":0.0}
            """)
        #expect(Aggregate().json.contains("\"online_rate\":null"))
    }
}
