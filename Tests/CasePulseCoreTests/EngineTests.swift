@testable import CasePulseCore
import Foundation
import Testing

/// Builds events tersely: times are "2022-10-05T10:00:00+08:00"-style local Shanghai strings.
struct E {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai") ?? .gmt

    static func time(_ text: String) -> Int64 {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: text) else { fatalError("bad test time \(text)") }
        return Int64(date.timeIntervalSince1970) * 1_000_000_000
    }

    static func make(
        _ id: String, _ type: EventType, case caseID: String, at: String, region: String = "370812",
        agency: String = "scjg", channel: Channel? = nil, subject: String? = nil,
        decision: Decision? = nil, reason: Reason? = nil, fine: Int64 = 0, waived: Int64 = 0,
        producer: String = "p1", seq: UInt64? = nil
    ) -> CaseEvent {
        CaseEvent(
            id: id, producer: producer, seq: seq, type: type, caseID: caseID, at: time(at),
            region: RegionCode(region) ?? RegionCode("370812")!, agency: agency,
            channel: type == .filed ? (channel ?? .online) : channel, subject: subject,
            decision: type == .decided ? (decision ?? .standard) : decision, reason: reason,
            fineFen: fine, waivedFen: waived)
    }

    static func engine(retention: Int = 0) -> Engine {
        Engine(configuration: EngineConfiguration(timeZone: shanghai, dayRetentionDays: retention))
    }
}

@Suite struct EngineTests {
    @Test func countsAFilingAtEveryLevelWindowAndAgency() throws {
        let engine = E.engine()
        engine.apply(E.make("e1", .filed, case: "c1", at: "2022-10-05T10:00:00+08:00", region: "370812101201"))
        let keys = Set(engine.values(under: "/m/").keys)
        let regions = ["", "370000/", "370000/370800/", "370000/370800/370812/",
                       "370000/370800/370812/370812101/", "370000/370800/370812/370812101/370812101201/"]
        var expected = Set<String>()
        for window in ["all", "2022", "2022-10", "2022-10-05"] {
            for region in regions {
                for agency in ["all", "scjg"] { expected.insert("/m/\(window)/\(region)@\(agency)") }
            }
        }
        #expect(keys == expected)
        let value = try #require(engine.values()["/m/2022-10/370000/370800/370812/@scjg"])
        #expect(value == #"{"filed":1,"filed_online":1,"online_rate":1.0,"decided":0,"no_penalty":0,"reduced":0,"lighter":0,"standard":0,"heavier":0,"no_penalty_by_reason":{"minor":0,"first_offense":0,"no_fault":0},"fine_fen":0,"waived_fen":0,"beneficiaries":0,"closed":0,"closure_rate":0.0}"#)
    }

    @Test func theKeyCountFollowsWhatWasPublished() {
        let engine = E.engine(retention: 2)
        engine.advanceClock(toUnixSeconds: E.time("2022-10-05T12:00:00+08:00") / 1_000_000_000)
        #expect(engine.keyCount == 0)
        engine.apply(E.make("e1", .filed, case: "c1", at: "2022-10-05T10:00:00+08:00"))
        engine.apply(E.make("e2", .filed, case: "c2", at: "2022-10-05T10:00:00+08:00", agency: "zrzy"))
        #expect(engine.keyCount == 0, "nothing published yet")
        engine.publishChanges { _ in }
        let existing = engine.values(under: "/m/").count
        #expect(existing == 4 * 4 * 3)  // windows × region levels × agencies
        #expect(engine.keyCount == existing)
        // Voiding one case deletes the keys only it counted in.
        engine.apply(E.make("e3", .voided, case: "c2", at: "2022-10-05T11:00:00+08:00"))
        engine.publishChanges { _ in }
        #expect(engine.keyCount == 4 * 4 * 2)
        #expect(engine.keyCount == engine.values(under: "/m/").count)
        // Day windows that fall out of the retention are deleted too.
        engine.advanceClock(toUnixSeconds: E.time("2022-10-08T12:00:00+08:00") / 1_000_000_000)
        engine.publishChanges { _ in }
        #expect(engine.keyCount == 3 * 4 * 2)
        #expect(engine.keyCount == engine.values(under: "/m/").count)
    }

    @Test func anAgencyNamedAllCountsOnceUnderAtAll() throws {
        let engine = E.engine()
        engine.apply(E.make("e1", .filed, case: "c1", at: "2022-10-05T10:00:00+08:00", agency: "all"))
        engine.apply(E.make("e2", .filed, case: "c2", at: "2022-10-05T10:00:00+08:00", agency: "scjg"))
        #expect(engine.aggregate(forKey: "/m/all/@all")?.filed == 2)
        #expect(engine.aggregate(forKey: "/m/all/@scjg")?.filed == 1)
    }

    @Test func windowsFollowTheConfiguredZone() {
        let engine = E.engine()
        engine.apply(E.make("e1", .filed, case: "c1", at: "2022-12-31T16:30:00Z"))
        let keys = engine.values(under: "/m/").keys
        #expect(keys.contains("/m/2023-01-01/@all"))
        #expect(!keys.contains { $0.hasPrefix("/m/2022") })
    }

    @Test func aCorrectedDecisionMovesTheFiguresBack() throws {
        let engine = E.engine()
        engine.apply(E.make("f", .filed, case: "c1", at: "2022-10-01T09:00:00+08:00", subject: "A"))
        engine.apply(E.make("d1", .decided, case: "c1", at: "2022-10-02T09:00:00+08:00",
                            decision: .noPenalty, reason: .minor, waived: 500))
        var all = try #require(engine.aggregate(forKey: "/m/all/@all"))
        #expect(all.count(of: .noPenalty) == 1 && all.beneficiaries == 1 && all.waivedFen == 500)
        #expect(all.count(of: .minor) == 1)
        // Reconsideration corrects it to a standard penalty in November.
        engine.apply(E.make("d2", .decided, case: "c1", at: "2022-11-20T09:00:00+08:00",
                            decision: .standard, fine: 20_000))
        all = try #require(engine.aggregate(forKey: "/m/all/@all"))
        #expect(all.decided == 1 && all.count(of: .noPenalty) == 0 && all.count(of: .standard) == 1)
        #expect(all.beneficiaries == 0 && all.waivedFen == 0 && all.fineFen == 20_000 && all.count(of: .minor) == 0)
        // October keeps the filing but loses the decision; November gains it.
        #expect(engine.aggregate(forKey: "/m/2022-10/@all")?.decided == 0)
        #expect(engine.aggregate(forKey: "/m/2022-11/@all")?.decided == 1)
        // An older decision arriving late does not win.
        engine.apply(E.make("d0", .decided, case: "c1", at: "2022-10-03T09:00:00+08:00", decision: .heavier))
        #expect(engine.aggregate(forKey: "/m/all/@all")?.count(of: .heavier) == 0)
    }

    @Test func equalTimesAreBrokenByTheEventIdBytes() throws {
        let engine = E.engine()
        let at = "2022-10-02T09:00:00+08:00"
        engine.apply(E.make("d-b", .decided, case: "c1", at: at, subject: "A", decision: .reduced))
        engine.apply(E.make("d-a", .decided, case: "c1", at: at, decision: .heavier))
        #expect(engine.aggregate(forKey: "/m/all/@all")?.count(of: .reduced) == 1)
        engine.apply(E.make("d-c", .decided, case: "c1", at: at, decision: .lighter))
        let all = try #require(engine.aggregate(forKey: "/m/all/@all"))
        #expect(all.count(of: .lighter) == 1 && all.count(of: .reduced) == 0 && all.beneficiaries == 0)
    }

    @Test func theEarliestFilingAndClosingCount() throws {
        let engine = E.engine()
        engine.apply(E.make("f2", .filed, case: "c1", at: "2022-10-05T09:00:00+08:00", channel: .online))
        engine.apply(E.make("f1", .filed, case: "c1", at: "2022-10-04T09:00:00+08:00", channel: .offline))
        engine.apply(E.make("k2", .closed, case: "c1", at: "2022-12-05T09:00:00+08:00"))
        engine.apply(E.make("k1", .closed, case: "c1", at: "2022-11-05T09:00:00+08:00"))
        let all = try #require(engine.aggregate(forKey: "/m/all/@all"))
        #expect(all.filed == 1 && all.filedOnline == 0 && all.closed == 1)
        #expect(engine.aggregate(forKey: "/m/2022-10-05/@all") == nil)
        #expect(engine.aggregate(forKey: "/m/2022-12/@all") == nil)
        #expect(engine.aggregate(forKey: "/m/2022-11/@all")?.closed == 1)
    }

    @Test func aVoidedCaseCountsNowhereWhateverTheOrder() {
        let events = [
            E.make("f", .filed, case: "c1", at: "2022-10-01T09:00:00+08:00", subject: "A"),
            E.make("d", .decided, case: "c1", at: "2022-10-02T09:00:00+08:00", decision: .noPenalty, waived: 9),
            E.make("v", .voided, case: "c1", at: "2022-10-03T09:00:00+08:00"),
            E.make("k", .closed, case: "c1", at: "2022-10-04T09:00:00+08:00"),
        ]
        for order in [[0, 1, 2, 3], [2, 0, 1, 3], [3, 1, 0, 2]] {
            let engine = E.engine()
            for i in order { engine.apply(events[i]) }
            #expect(engine.values(under: "/m/").isEmpty, "order \(order)")
        }
    }

    @Test func redeliveriesChangeNothingAndAreCounted() {
        let engine = E.engine()
        let filing = E.make("f", .filed, case: "c1", at: "2022-10-01T09:00:00+08:00")
        #expect(engine.apply(filing) == .accepted)
        let before = engine.values(under: "/m/")
        var redelivered = filing
        redelivered.channel = .offline  // same id: a duplicate even if its content differs
        #expect(engine.apply(redelivered) == .duplicate)
        #expect(engine.apply(filing) == .duplicate)
        engine.recordRefusal(.invalid)
        #expect(engine.values(under: "/m/") == before)
        #expect(engine.values()["/sys/ingest"] == #"{"received":4,"accepted":1,"duplicates":2,"rejected":1,"rejected_by_reason":{"malformed":0,"unsupported":0,"invalid":1,"unauthorized":0,"too_large":0}}"#)
    }

    /// Every id a case saw is a duplicate when it comes again, whether its event counts, stopped
    /// counting (superseded), never counted, voided the case or came after the void — and after a
    /// checkpoint's record restored the case.
    @Test func everyIdSeenIsADuplicateWhetherItsEventCountsOrNot() throws {
        let events = Self.idsOfEveryKind
        let engine = E.engine()
        for event in events { #expect(engine.apply(event) == .accepted, "\(event.id)") }
        let figures = engine.values(under: "/m/")
        for event in events { #expect(engine.apply(event) == .duplicate, "\(event.id) again") }
        #expect(engine.values(under: "/m/") == figures)
        for caseID in ["c1", "c2"] {
            #expect(Set(try #require(engine.record(ofCase: caseID)).seen).count == events.filter { $0.caseID == caseID }.count)
        }

        let restored = E.engine()
        for caseID in ["c1", "c2"] { restored.restore(try #require(engine.record(ofCase: caseID))) }
        #expect(restored.values(under: "/m/") == figures)
        for event in events { #expect(restored.apply(event) == .duplicate, "\(event.id) after a restore") }
        #expect(restored.apply(E.make("k-4", .closed, case: "c1", at: "2022-10-03T08:00:00+08:00")) == .accepted)
    }

    /// The contract: "a second event with the same id is a duplicate and changes nothing",
    /// whatever its case. Every id seen (counting, superseded, never counting, voiding, after a
    /// void) is a duplicate when it comes again in the other case or in a new one, which is then
    /// not created: in the engine that saw it, and in engines restored from its records and from
    /// its image.
    @Test func anIdSeenInAnotherCaseIsADuplicate() throws {
        let events = Self.idsOfEveryKind
        let engine = E.engine()
        for event in events { engine.apply(event) }
        engine.publishChanges { _ in }
        let figures = engine.values(under: "/m/")
        let fromRecords = E.engine()
        for caseID in ["c1", "c2"] { fromRecords.restore(try #require(engine.record(ofCase: caseID))) }
        let fromImage = try EngineImageTests.restored(
            from: try EngineImageTests.image(of: engine, blockSize: 4_096), configuration: engine.configuration)
        for (name, target) in [("the engine", engine), ("restored from records", fromRecords), ("restored from its image", fromImage)] {
            for event in events {
                for caseID in ["c1", "c2", "c-new"] where caseID != event.caseID {
                    var moved = event
                    moved.caseID = caseID
                    #expect(target.apply(moved) == .duplicate, "\(event.id) in \(caseID), \(name)")
                    let other = E.make(event.id, .decided, case: caseID, at: "2022-10-05T09:00:00+08:00", subject: "s", decision: .noPenalty)
                    #expect(target.apply(other) == .duplicate, "another event \(event.id) in \(caseID), \(name)")
                }
            }
            #expect(target.values(under: "/m/") == figures, "\(name)")
            #expect(target.caseCount == 2, "\(name)")
            #expect(target.apply(E.make("f-new", .filed, case: "c-new", at: "2022-10-05T09:00:00+08:00")) == .accepted, "\(name)")
            #expect(target.caseCount == 3, "\(name)")
        }
    }

    static let idsOfEveryKind = [
            E.make("f-late", .filed, case: "c1", at: "2022-10-01T10:00:00+08:00"),
            E.make("f-early", .filed, case: "c1", at: "2022-10-01T09:00:00+08:00"),  // supersedes f-late
            E.make("f-later", .filed, case: "c1", at: "2022-10-01T11:00:00+08:00"),  // never counts
            E.make("d-1", .decided, case: "c1", at: "2022-10-02T09:00:00+08:00", decision: .noPenalty),
            E.make("d-0", .decided, case: "c1", at: "2022-10-02T08:00:00+08:00"),  // never counts
            E.make("d-2", .decided, case: "c1", at: "2022-10-02T10:00:00+08:00", decision: .reduced),  // supersedes d-1
            E.make("k-2", .closed, case: "c1", at: "2022-10-03T10:00:00+08:00"),
            E.make("k-1", .closed, case: "c1", at: "2022-10-03T09:00:00+08:00"),  // supersedes k-2
            E.make("f-2", .filed, case: "c2", at: "2022-10-01T09:00:00+08:00"),
            E.make("d-3", .decided, case: "c2", at: "2022-10-02T09:00:00+08:00"),
            E.make("v-2", .voided, case: "c2", at: "2022-10-03T09:00:00+08:00"),
            E.make("k-3", .closed, case: "c2", at: "2022-10-04T09:00:00+08:00"),  // after the void
        ]

    /// A case tells the ids of its counting events apart by their bytes, not their hashes: these
    /// two ids share their length and the low 32 bits of their hash.
    @Test func idsThatShareTheirLengthAndHashBitsAreTwoEvents() throws {
        #expect(UInt32(truncatingIfNeeded: StableHash.of("ev-096708")) == UInt32(truncatingIfNeeded: StableHash.of("ev-107933")))
        #expect(StableHash.of("ev-096708") != StableHash.of("ev-107933"))
        let engine = E.engine()
        #expect(engine.apply(E.make("ev-096708", .filed, case: "c1", at: "2022-10-01T09:00:00+08:00")) == .accepted)
        #expect(engine.apply(E.make("ev-107933", .decided, case: "c1", at: "2022-10-02T09:00:00+08:00")) == .accepted)
        #expect(try #require(engine.aggregate(forKey: "/m/all/@all")).decided == 1)
    }

    @Test func aDecisionWithoutSubjectBenefitsTheFilingsPartyEvenWhenTheFilingComesLater() throws {
        let engine = E.engine()
        engine.apply(E.make("d", .decided, case: "c1", at: "2022-10-02T09:00:00+08:00", decision: .reduced))
        #expect(engine.aggregate(forKey: "/m/all/@all")?.beneficiaries == 0)
        engine.apply(E.make("f2", .filed, case: "c1", at: "2022-10-01T12:00:00+08:00", subject: "B"))
        engine.apply(E.make("d2", .decided, case: "c2", at: "2022-10-02T09:00:00+08:00", subject: "A", decision: .noPenalty))
        #expect(engine.aggregate(forKey: "/m/all/@all")?.beneficiaries == 2)
        // An earlier filing with the same party as case 2 replaces B: one distinct party remains.
        engine.apply(E.make("f1", .filed, case: "c1", at: "2022-10-01T08:00:00+08:00", subject: "A"))
        let all = try #require(engine.aggregate(forKey: "/m/all/@all"))
        #expect(all.beneficiaries == 1 && all.filed == 1 && all.decided == 2)
    }

    /// Parties are compared as Swift strings: canonically equivalent spellings are one beneficiary,
    /// whichever comes first; ASCII ones are indexed by their bytes, and only look-alikes differ.
    @Test(arguments: [
        ("caf\u{E9}", "cafe\u{301}", 1), ("cafe\u{301}", "caf\u{E9}", 1), ("\u{212A}-7", "K-7", 1),
        ("K-8", "\u{212A}-8", 1), ("91370812MA3C5X2Y7K", "91370812MA3C5X2Y7K", 1),
        ("91370812MA3C5X2Y7K", "91370812MA3C5X2Y7k", 2), ("cafe", "caf\u{E9}", 2),
    ] as [(String, String, Int)])
    func partiesAreOneBeneficiaryUpToCanonicalEquivalence(_ first: String, _ second: String, _ expected: Int) throws {
        let engine = E.engine()
        engine.apply(E.make("d1", .decided, case: "c1", at: "2022-10-02T09:00:00+08:00", subject: first, decision: .noPenalty))
        engine.apply(E.make("d2", .decided, case: "c2", at: "2022-10-02T10:00:00+08:00", subject: second, decision: .reduced))
        #expect(try #require(engine.aggregate(forKey: "/m/all/@all")).beneficiaries == expected)
        #expect(engine.partyTexts.count == expected)
        // Taking the first decision back leaves the second's party counted.
        engine.apply(E.make("v1", .voided, case: "c1", at: "2022-10-03T09:00:00+08:00"))
        #expect(try #require(engine.aggregate(forKey: "/m/all/@all")).beneficiaries == 1)
    }

    @Test func amountsDoNotWrapAtInt64() throws {
        let engine = E.engine()
        for i in 0..<10_000 {
            engine.apply(E.make("d\(i)", .decided, case: "c\(i)", at: "2022-10-02T09:00:00+08:00",
                                fine: 1_000_000_000_000, waived: 1_000_000_000_000))
        }
        let all = try #require(engine.aggregate(forKey: "/m/all/@all"))
        #expect(all.fineFen == Int128(10_000) * 1_000_000_000_000)
        #expect(engine.values()["/m/all/@all"]?.contains(#""fine_fen":10000000000000000,"#) == true)
    }

    @Test func publishesEachChangedKeyOnceWithIncreasingSequenceAndDeletesEmptiedKeys() {
        let engine = Engine(configuration: EngineConfiguration(timeZone: E.shanghai, dayRetentionDays: 0), sequence: 41)
        engine.apply(E.make("f", .filed, case: "c1", at: "2022-10-01T09:00:00+08:00"))
        engine.apply(E.make("k", .closed, case: "c1", at: "2022-10-01T10:00:00+08:00"))
        var first: [HashmapEntry] = []
        engine.publishChanges { first.append($0) }
        // 4 windows × (root, province, city, county) × (all, scjg), plus /sys/ingest and the producer.
        #expect(first.count == 4 * 4 * 2 + 2)
        #expect(first.map(\.sequence) == Array(42..<(42 + UInt64(first.count))))
        #expect(Set(first.map(\.key)).count == first.count)
        #expect(!engine.hasChanges)
        var none = 0
        engine.publishChanges { _ in none += 1 }
        #expect(none == 0)
        engine.apply(E.make("v", .voided, case: "c1", at: "2022-10-01T11:00:00+08:00"))
        var second: [HashmapEntry] = []
        engine.publishChanges { second.append($0) }
        let deletions = second.filter { $0.value == nil }
        #expect(deletions.count == first.filter { $0.key.hasPrefix("/m/") }.count)
        #expect(engine.values(under: "/m/").isEmpty)
    }

    /// While no subscriber can want a figure, the changed `/m/` keys are numbered and recorded
    /// as published but not handed out: the numbers, the key count and a later snapshot are those
    /// of an engine that handed everything out, deletions included.
    @Test func figuresNobodyWantsAreNumberedButNotHandedOut() {
        let named = Engine(configuration: EngineConfiguration(timeZone: E.shanghai, dayRetentionDays: 0))
        let unnamed = Engine(configuration: EngineConfiguration(timeZone: E.shanghai, dayRetentionDays: 0))
        let rounds: [[CaseEvent]] = [
            [E.make("f", .filed, case: "c1", at: "2022-10-01T09:00:00+08:00"),
             E.make("f2", .filed, case: "c2", at: "2022-10-02T09:00:00+08:00")],
            [E.make("k", .closed, case: "c1", at: "2022-10-01T10:00:00+08:00")],
            [E.make("v", .voided, case: "c2", at: "2022-10-02T11:00:00+08:00")],
        ]
        for events in rounds {
            for event in events {
                named.apply(event)
                unnamed.apply(event)
            }
            var all: [(key: String, sequence: UInt64, deleted: Bool)] = []
            named.publishChanges(values: { key, sequence, value in
                var deleted = false
                if case .deleted = value { deleted = true }
                all.append((String(decoding: key, as: UTF8.self), sequence, deleted))
            })
            var handed: [(key: String, sequence: UInt64)] = []
            unnamed.publishChanges(namingFigures: false, values: { key, sequence, _ in
                handed.append((String(decoding: key, as: UTF8.self), sequence))
            })
            #expect(all.contains { $0.key.hasPrefix("/m/") })
            let system = all.filter { !$0.key.hasPrefix("/m/") }
            #expect(handed.map(\.key) == system.map(\.key) && handed.map(\.sequence) == system.map(\.sequence))
            #expect(unnamed.sequence == named.sequence && unnamed.keyCount == named.keyCount)
            var snapshots: [[HashmapEntry]] = [[], []]
            named.forEachEntry(under: "") { snapshots[0].append($0) }
            unnamed.forEachEntry(under: "") { snapshots[1].append($0) }
            #expect(snapshots[0] == snapshots[1])
        }
        #expect(named.keyCount < 4 * 4 * 2 * 2, "the voided case's keys were deleted")
    }

    @Test func dayWindowsPastRetentionAreDeletedAndNoLongerCounted() {
        let engine = E.engine(retention: 2)
        engine.advanceClock(toUnixSeconds: E.time("2022-10-02T12:00:00+08:00") / 1_000_000_000)
        engine.apply(E.make("f0", .filed, case: "c0", at: "2022-09-30T09:00:00+08:00"))
        engine.apply(E.make("f1", .filed, case: "c1", at: "2022-10-01T09:00:00+08:00"))
        engine.apply(E.make("f2", .filed, case: "c2", at: "2022-10-02T09:00:00+08:00"))
        engine.publishChanges { _ in }
        var days = engine.values(under: "/m/").keys.filter { $0.hasPrefix("/m/2022-") && $0.count > 14 && $0.contains("-0") && $0.split(separator: "/")[1].count == 10 }
        #expect(Set(days.map { String($0.split(separator: "/")[1]) }) == ["2022-10-01", "2022-10-02"])
        engine.advanceClock(toUnixSeconds: E.time("2022-10-03T00:30:00+08:00") / 1_000_000_000)
        var deleted: [String] = []
        engine.publishChanges { if $0.value == nil { deleted.append($0.key) } }
        #expect(Set(deleted.map { String($0.split(separator: "/")[1]) }) == ["2022-10-01"])
        days = engine.values(under: "/m/").keys.filter { $0.split(separator: "/")[1].count == 10 }
        #expect(Set(days.map { String($0.split(separator: "/")[1]) }) == ["2022-10-02"])
        #expect(engine.aggregate(forKey: "/m/2022-10/@all")?.filed == 2)
        #expect(engine.aggregate(forKey: "/m/all/@all")?.filed == 3)
    }

    /// Moving the retention forgets the cached slot lists of every place (the month lists and the
    /// table of recent day slots); events of the same places afterwards count in the same keys,
    /// and the expired day's slots, reused by new keys, are not counted by them.
    @Test func placesCountedBeforeTheRetentionMovedCountAlikeAfterIt() {
        let engine = E.engine(retention: 2)
        engine.advanceClock(toUnixSeconds: E.time("2022-10-02T12:00:00+08:00") / 1_000_000_000)
        engine.apply(E.make("f1", .filed, case: "c1", at: "2022-10-01T09:00:00+08:00", region: "370812101"))
        engine.apply(E.make("f2", .filed, case: "c2", at: "2022-10-02T09:00:00+08:00", region: "370812101"))
        engine.publishChanges { _ in }
        engine.advanceClock(toUnixSeconds: E.time("2022-10-03T00:30:00+08:00") / 1_000_000_000)
        engine.publishChanges { _ in }
        // New keys take the expired day's slots; the known place and day count where they did.
        engine.apply(E.make("f3", .filed, case: "c3", at: "2022-10-03T09:00:00+08:00", region: "370829", agency: "zrzy"))
        engine.apply(E.make("f4", .filed, case: "c4", at: "2022-10-02T10:00:00+08:00", region: "370812101"))
        engine.apply(E.make("f5", .filed, case: "c5", at: "2022-10-01T10:00:00+08:00", region: "370812101"))
        engine.publishChanges { _ in }
        // The same events given to an engine whose retention was there from the start.
        let reference = E.engine(retention: 2)
        reference.advanceClock(toUnixSeconds: E.time("2022-10-03T00:30:00+08:00") / 1_000_000_000)
        for (id, at, region, agency) in [
            ("f1", "2022-10-01T09:00:00+08:00", "370812101", "scjg"), ("f2", "2022-10-02T09:00:00+08:00", "370812101", "scjg"),
            ("f3", "2022-10-03T09:00:00+08:00", "370829", "zrzy"), ("f4", "2022-10-02T10:00:00+08:00", "370812101", "scjg"),
            ("f5", "2022-10-01T10:00:00+08:00", "370812101", "scjg"),
        ] {
            reference.apply(E.make(id, .filed, case: "c" + id.dropFirst(), at: at, region: region, agency: agency))
        }
        #expect(engine.values(under: "/m/") == reference.values(under: "/m/"))
        #expect(engine.aggregate(forKey: "/m/2022-10-02/370000/370800/370812/370812101/@scjg")?.filed == 2)
        #expect(engine.aggregate(forKey: "/m/2022-10-03/370000/370800/370829/@zrzy")?.filed == 1)
        #expect(engine.aggregate(forKey: "/m/2022-10-03/@all")?.filed == 1)
        #expect(engine.aggregate(forKey: "/m/2022-10/370000/370800/370812/@all")?.filed == 4)
        #expect(engine.aggregate(forKey: "/m/all/@all")?.filed == 5)
        #expect(!engine.values(under: "/m/").keys.contains { $0.hasPrefix("/m/2022-10-01/") })
    }

    /// The slots of recently looked-up keys are forgotten before the retention removes keys: no
    /// removed key is remembered with the slot a new key may take.
    @Test func aKeyTheRetentionRemovedIsNotRememberedWithItsSlot() {
        let engine = E.engine(retention: 2)
        engine.advanceClock(toUnixSeconds: E.time("2022-10-02T12:00:00+08:00") / 1_000_000_000)
        engine.apply(E.make("f1", .filed, case: "c1", at: "2022-10-01T09:00:00+08:00", region: "370812101"))
        engine.apply(E.make("f2", .filed, case: "c2", at: "2022-10-02T09:00:00+08:00", region: "370812101"))
        engine.publishChanges { _ in }
        let keys = engine.slotKeys.indices.map { engine.slotKeys[$0] }
        let remembered = keys.filter { engine.recentSlots.slot(of: $0) != nil }
        #expect(remembered.count > keys.count / 2)
        #expect(remembered.allSatisfy { engine.recentSlots.slot(of: $0) == engine.slotID(of: $0) })
        engine.advanceClock(toUnixSeconds: E.time("2022-10-03T00:30:00+08:00") / 1_000_000_000)
        let removed = keys.filter { engine.slotID(of: $0) == nil }
        #expect(removed.count == 10, "the day window of 2022-10-01: five region levels, two agencies")
        #expect(removed.contains { remembered.contains($0) }, "the removed keys were remembered before")
        #expect(removed.allSatisfy { engine.recentSlots.slot(of: $0) == nil })
        // Their slots go to new keys; the remembered slots are still each key's own.
        engine.publishChanges { _ in }
        engine.apply(E.make("f3", .filed, case: "c3", at: "2022-10-03T09:00:00+08:00", region: "370829", agency: "zrzy"))
        let now = engine.slotKeys.indices.map { engine.slotKeys[$0] }
        #expect(now.allSatisfy { engine.recentSlots.slot(of: $0) == nil || engine.recentSlots.slot(of: $0) == engine.slotID(of: $0) })
    }
}

/// The final checkpoint's walk over the figures: every existing key once, in the byte order of
/// the keys, with the value a snapshot gives.
@Suite struct FiguresInKeyOrderTests {
    static func walk(_ engine: Engine) -> [(key: String, value: String)] {
        var rows: [(key: String, value: String)] = []
        engine.forEachFigureInKeyOrder { key, value in
            rows.append((String(decoding: key, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        return rows
    }

    @Test func everyKeyComesOnceInByteOrderWithItsSnapshotValue() {
        let engine = E.engine(retention: 3)
        // Agencies whose byte order differs from a case-blind or scalar-blind one, windows whose
        // texts share prefixes ("2022" and "2022-10"), and day windows that expire.
        let agencies = ["scjg", "Zb", "zb", "市场监管", "a-b", "a"]
        var n = 0
        for day in 1...9 {
            for (i, agency) in agencies.enumerated() {
                n += 1
                let at = "2022-10-0\(day)T1\(i):00:00+08:00"
                engine.apply(E.make("f\(n)", .filed, case: "c\(n)", at: at, region: i % 2 == 0 ? "370812101" : "370829", agency: agency))
                engine.apply(E.make("d\(n)", .decided, case: "c\(n)", at: at, agency: agency, subject: "p\(n % 4)", decision: .noPenalty, reason: .minor))
            }
            engine.advanceClock(toUnixSeconds: E.time("2022-10-0\(day)T23:00:00+08:00") / 1_000_000_000)
        }
        engine.publishChanges { _ in }
        let rows = Self.walk(engine)
        let expected = engine.values(under: "/m/").sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        #expect(rows.count == expected.count)
        #expect(rows.map(\.key) == expected.map(\.key))
        #expect(rows.map(\.value) == expected.map(\.value))
        // Expired day windows are gone from both; the kept ones are there.
        #expect(!rows.contains { $0.key.hasPrefix("/m/2022-10-01/") })
        #expect(rows.contains { $0.key == "/m/2022-10-09/@市场监管" })
    }

    /// Every case holds one state, so each byte of it is a megabyte at a million cases: a place is
    /// interned (region and agency in four bytes) and a text is named in four, so the three
    /// events that count take 20 bytes each, and the whole state 96.
    @Test func aCaseStateTakes96Bytes() {
        #expect(MemoryLayout<Placement>.size == 20)
        #expect(MemoryLayout<TextRef>.size == 4)
        #expect(MemoryLayout<CaseState>.stride == 96)
    }

    @Test func anEmptyEngineHasNoFigures() {
        #expect(Self.walk(E.engine()).isEmpty)
    }
}
