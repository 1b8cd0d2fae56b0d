import CasePulseCore
import CasePulseTestKit
import Foundation
import Testing

/// The test kit itself: the reference model on hand-computed cases, and the Jining feed
/// reproducing DOMAIN.md's figures under the reference model.
@Suite struct JiningFeedTests {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    static let utc = TimeZone(identifier: "UTC")!
    /// 2022-10-08T10:00:00Z.
    static let t0: Int64 = 1_665_223_200_000_000_000
    static let hour: Int64 = 3_600_000_000_000

    func event(
        _ id: String, _ type: EventType, case caseID: String = "c1", at: Int64 = t0,
        region: String = "370812", agency: String = "scjg", channel: Channel? = nil,
        subject: String? = nil, decision: Decision? = nil, reason: Reason? = nil,
        fine: Int64 = 0, waived: Int64 = 0
    ) -> CaseEvent {
        CaseEvent(
            id: id, producer: "p", type: type, caseID: caseID, at: at, region: RegionCode(region)!,
            agency: agency, channel: channel ?? (type == .filed ? .online : nil), subject: subject,
            decision: decision ?? (type == .decided ? .standard : nil), reason: reason,
            fineFen: fine, waivedFen: waived
        )
    }

    // MARK: Reference model, by hand

    @Test func correctionMovesFiguresBack() {
        let filed = event("f", .filed, subject: "X")
        let favourable = event("d1", .decided, at: Self.t0 + Self.hour, decision: .noPenalty, reason: .minor, waived: 100)
        let corrected = event("d2", .decided, at: Self.t0 + 2 * Self.hour, decision: .standard, fine: 500)

        let before = ReferenceModel.aggregates(of: [filed, favourable], timeZone: Self.shanghai)
        #expect(before["/m/all/@all"] == ReferenceAggregate(
            filed: 1, filedOnline: 1, decided: 1, noPenalty: 1, npMinor: 1, waivedFen: 100, beneficiaries: ["X"]))

        for events in [[filed, favourable, corrected], [corrected, favourable, filed, corrected]] {
            let after = ReferenceModel.aggregates(of: events, timeZone: Self.shanghai)
            let value = ReferenceAggregate(filed: 1, filedOnline: 1, decided: 1, standard: 1, fineFen: 500)
            #expect(after["/m/all/@all"] == value)
            #expect(after["/m/2022-10-08/370000/370800/370812/@scjg"] == value)
            #expect(after.count == 4 * 4 * 2)  // 4 windows × (root, province, city, county) × 2 agencies
        }
    }

    @Test func voidRemovesEverything() {
        let events = [
            event("v", .voided, at: Self.t0 + 9 * Self.hour),
            event("f", .filed, subject: "X"),
            event("d", .decided, at: Self.t0 + Self.hour, decision: .reduced, fine: 5, waived: 7),
            event("c", .closed, at: Self.t0 + 2 * Self.hour),
        ]
        #expect(ReferenceModel.aggregates(of: events, timeZone: Self.shanghai).isEmpty)
        let other = event("f2", .filed, case: "c2", region: "370303")
        let withOther = ReferenceModel.aggregates(of: events + [other], timeZone: Self.shanghai)
        #expect(withOther["/m/all/370000/370800/@all"] == nil)
        #expect(withOther["/m/all/370000/370300/370303/@scjg"] == ReferenceAggregate(filed: 1, filedOnline: 1))
    }

    @Test func timeZoneWindowBoundary() {
        let midnight: Int64 = 1_672_502_400_000_000_000  // 2023-01-01T00:00+08:00
        let events = [
            event("a", .filed, case: "a", at: midnight - 1),
            event("b", .filed, case: "b", at: midnight),
        ]
        let shanghai = ReferenceModel.aggregates(of: events, timeZone: Self.shanghai)
        #expect(shanghai["/m/2022-12-31/@all"]?.filed == 1)
        #expect(shanghai["/m/2023-01-01/@all"]?.filed == 1)
        #expect(shanghai["/m/2022/@all"]?.filed == 1)
        #expect(shanghai["/m/2023-01/370000/@scjg"]?.filed == 1)
        let utc = ReferenceModel.aggregates(of: events, timeZone: Self.utc)
        #expect(utc["/m/2022-12-31/@all"]?.filed == 2)
        #expect(utc["/m/2023/@all"] == nil)
        #expect(ReferenceModel.windows(of: midnight - 1, timeZone: Self.shanghai) == ["all", "2022", "2022-12", "2022-12-31"])
    }

    @Test func idsBreakTiesByBytes() {
        let events = [
            event("f9", .filed, channel: .online),
            event("f10", .filed, channel: .offline),  // "f10" < "f9": the filing
            event("d10", .decided, at: Self.t0 + Self.hour, subject: "X", decision: .noPenalty, reason: .noFault),
            event("d9", .decided, at: Self.t0 + Self.hour, decision: .heavier, fine: 9),  // the decision
        ]
        let value = ReferenceModel.aggregates(of: events, timeZone: Self.utc)["/m/all/@all"]
        #expect(value == ReferenceAggregate(filed: 1, decided: 1, heavier: 1, fineFen: 9))
    }

    @Test func partyFallsBackToTheFilingsSubject() {
        let events = [
            event("f2", .filed, at: Self.t0 + Self.hour, subject: "later"),
            event("f1", .filed, subject: "first"),
            event("d", .decided, at: Self.t0 + 2 * Self.hour, agency: "zrzy", decision: .reduced),
            event("x", .decided, case: "c2", decision: .noPenalty),  // no party anywhere
        ]
        let result = ReferenceModel.aggregates(of: events, timeZone: Self.utc)
        #expect(result["/m/all/@all"]?.beneficiaries == ["first"])
        #expect(result["/m/all/@all"]?.decided == 2)
        #expect(result["/m/all/@zrzy"]?.beneficiaries == ["first"])
        #expect(result["/m/all/@scjg"]?.beneficiaries == [])
    }

    @Test func regionPathsFollowTheLevels() {
        #expect(ReferenceModel.regionPaths(of: RegionCode("370812101203")!) == [
            "", "370000/", "370000/370800/", "370000/370800/370812/", "370000/370800/370812/370812101/",
            "370000/370800/370812/370812101/370812101203/",
        ])
        #expect(ReferenceModel.regionPaths(of: RegionCode("370800001")!) == ["", "370000/", "370000/370800/", "370000/370800/370800001/"])
        #expect(ReferenceModel.regionPaths(of: RegionCode("370000")!) == ["", "370000/"])
        let keys = ReferenceModel.aggregates(of: [event("f", .filed, region: "370812101203")], timeZone: Self.utc)
        #expect(keys["/m/2022-10/370000/370800/370812/370812101/370812101203/@scjg"]?.filed == 1)
    }

    @Test func dayRetentionDropsOldDayWindowsOnly() {
        let day: Int64 = 24 * Self.hour
        let events = [event("a", .filed, case: "a"), event("b", .filed, case: "b", at: Self.t0 + 3 * day)]
        let result = ReferenceModel.aggregates(of: events, timeZone: Self.utc, dayRetention: (days: 2, now: Self.t0 + 4 * day))
        #expect(result["/m/2022-10-08/@all"] == nil)
        #expect(result["/m/2022-10-11/@all"]?.filed == 1)
        #expect(result["/m/2022-10/@all"]?.filed == 2)
    }

    @Test func canonicalJSON() {
        let value = ReferenceAggregate(
            filed: 3, filedOnline: 2, decided: 2, noPenalty: 1, standard: 1, npFirstOffense: 1,
            fineFen: 1_000_000_000_000, waivedFen: 5, closed: 3, beneficiaries: ["X"])
        #expect(value.canonicalJSON == """
            {"filed":3,"filed_online":2,"online_rate":0.6666666666666666,"decided":2,"no_penalty":1,\
            "reduced":0,"lighter":0,"standard":1,"heavier":0,"no_penalty_by_reason":{"minor":0,\
            "first_offense":1,"no_fault":0},"fine_fen":1000000000000,"waived_fen":5,"beneficiaries":1,\
            "closed":3,"closure_rate":1.0}
            """)
        #expect(ReferenceAggregate(decided: 1).canonicalJSON.contains("\"online_rate\":null,"))
        #expect(ReferenceAggregate(decided: 1).canonicalJSON.hasSuffix("\"closure_rate\":null}"))
    }

    @Test func randomEventsAggregateAsASet() {
        for seed in UInt64(0)..<300 {
            let events = RandomCaseEvents(seed: seed).events()
            #expect(!events.isEmpty && events.count <= 60)
            #expect(events == RandomCaseEvents(seed: seed).events())
            #expect(Set(events.map(\.id)).count == events.count)
            let expected = ReferenceModel.aggregates(of: events, timeZone: Self.shanghai)
            let stream = RandomCaseEvents.shuffledWithDuplicates(events, seed: seed &+ 1)
            #expect(Set(stream) == Set(events))
            #expect(ReferenceModel.aggregates(of: stream, timeZone: Self.shanghai) == expected)
        }
    }

    // MARK: Jining feed

    @Test func jiningFeedReproducesTheFigures() {
        let events = JiningFeed(seed: 1).events()
        let figures = ReferenceModel.aggregates(of: events, timeZone: JiningFeed.timeZone)
        #expect(figures[JiningFeed.key] == JiningFeed.expected)
        #expect(figures[JiningFeed.yearKey] == JiningFeed.expected)
        #expect(figures[JiningFeed.key]?.canonicalJSON == JiningFeed.expected.canonicalJSON)
        #expect(JiningFeed.expected.canonicalJSON.hasPrefix("{\"filed\":102135,\"filed_online\":99173,"))
        #expect(JiningFeed.expected.beneficiaryCount == 13_190)
        #expect(JiningFeed.expected.waivedFen == 2_204_185_000)

        let utc = ReferenceModel.aggregates(of: events, timeZone: TimeZone(identifier: "UTC")!)
        let newYear = utc["/m/2021/370000/370800/@all"]
        #expect(newYear?.filed == Int64(JiningFeed.newYearEdgeFilings))
        #expect(newYear?.decided == 0 && newYear?.closed == 0)
    }

    @Test func jiningFeedIsDeterministicAndMessy() {
        let events = JiningFeed(seed: 7).events()
        #expect(events == JiningFeed(seed: 7).events())
        #expect(events != JiningFeed(seed: 8).events())

        var byID: [String: CaseEvent] = [:]
        var duplicates = 0
        for event in events {
            if let first = byID[event.id] {
                #expect(first == event)
                duplicates += 1
            } else {
                byID[event.id] = event
            }
        }
        #expect(duplicates == 12_000)
        #expect(Set(events.map(\.producer)) == Set(JiningFeed.producers))
        for producer in JiningFeed.producers {
            let seqs = byID.values.filter { $0.producer == producer }.compactMap(\.seq)
            #expect(Set(seqs) == Set(1...UInt64(seqs.count)))
        }
        let voided = Set(byID.values.filter { $0.type == .voided }.map(\.caseID))
        #expect(voided.count == 700)
        let zibo = byID.values.filter { $0.region.description.hasPrefix("3703") }
        #expect(zibo.count > 1_000)
        let parties = JiningFeed.expected.beneficiaries
        #expect(parties.allSatisfy { PartyCode.isValidCreditCode($0) || PartyCode.isValidResidentID($0) })
        #expect(parties.contains { PartyCode.isValidResidentID($0) })
    }
}
