import CasePulseCore
import Testing

/// A `CaseEvent` keeps its six texts in one buffer: what goes in by either initialiser or by a
/// setter comes out unchanged, by the `String` properties and by ``CaseEvent/withView(_:)``.
@Suite struct CaseEventTextsTests {
    static func bytes(_ text: String?) -> [UInt8]? { text.map { Array($0.utf8) } }

    static func texts(_ event: CaseEvent) -> [[UInt8]?] {
        event.withView { view in
            let required: [[UInt8]] = [Array(view.id), Array(view.producer), Array(view.caseID), Array(view.agency)]
            let optional: [[UInt8]?] = [view.subject.map { Array($0) }, view.listItem.map { Array($0) }]
            return required.map { Optional($0) } + optional
        }
    }

    static func strings(_ event: CaseEvent) -> [String?] {
        [event.id, event.producer, event.caseID, event.agency, event.subject, event.listItem]
    }

    @Test(arguments: [
        ["e-1", "jn-scjg-app", "370812-2022-00000001", "scjg", "91370812MA3C5X2Y7K", "shandong-2022-minor-017"],
        ["事件-ü", "p", "案件-\u{E9}", "a", nil, "条目"],
        ["x", "p.q_r-s", "c", "zrzy", "", nil],
        [String(repeating: "i", count: 128), String(repeating: "p", count: 64), "c", String(repeating: "a", count: 32),
         nil, nil],
    ] as [[String?]])
    func bothInitialisersHoldTheSameTexts(texts: [String?]) {
        let event = CaseEvent(
            id: texts[0] ?? "", producer: texts[1] ?? "", seq: 7, type: .decided, caseID: texts[2] ?? "", at: 42,
            region: RegionCode("370812")!, agency: texts[3] ?? "", subject: texts[4], decision: .reduced,
            reason: .minor, listItem: texts[5], fineFen: 3, waivedFen: 4)
        #expect(Self.strings(event) == texts)
        #expect(Self.texts(event) == texts.map(Self.bytes))

        let encoded = texts.map(Self.bytes)
        func lend<R>(_ index: Int, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
            guard let bytes = encoded[index] else { return body(nil) }
            return bytes.withUnsafeBytes { body($0) }
        }
        let fromBytes = lend(0) { id in lend(1) { producer in lend(2) { caseID in lend(3) { agency in
            lend(4) { subject in lend(5) { listItem in
                CaseEvent(CaseEventView(
                    id: id!, producer: producer!, seq: 7, type: .decided, caseID: caseID!, at: 42,
                    region: RegionCode("370812")!, agency: agency!, channel: nil, subject: subject,
                    decision: .reduced, reason: .minor, listItem: listItem, fineFen: 3, waivedFen: 4))
            } }
        } } } }
        #expect(fromBytes == event)
        #expect(fromBytes.hashValue == event.hashValue)
        #expect(Self.strings(fromBytes) == texts)
        #expect(Self.texts(fromBytes) == encoded)
    }

    /// Setting one text, longer or shorter, leaves the others where they are; an absent subject or
    /// list item is told from an empty one.
    @Test func settingATextKeepsTheOthers() {
        var event = CaseEvent(
            id: "e-1", producer: "p", type: .filed, caseID: "c-1", at: 1, region: RegionCode("370812")!,
            agency: "scjg", channel: .online, subject: "s", listItem: nil)
        var expected: [String?] = ["e-1", "p", "c-1", "scjg", "s", nil]
        let edits: [(Int, String?)] = [
            (0, "a much longer event id"), (2, "案件"), (3, "zrzy"), (4, nil), (5, "item"), (1, "producer-2"),
            (4, ""), (0, "e"), (5, nil), (4, "91370812MA3C5X2Y7K"), (2, "c"),
        ]
        for (field, value) in edits {
            switch field {
            case 0: event.id = value ?? ""
            case 1: event.producer = value ?? ""
            case 2: event.caseID = value ?? ""
            case 3: event.agency = value ?? ""
            case 4: event.subject = value
            default: event.listItem = value
            }
            expected[field] = value
            #expect(Self.strings(event) == expected)
            #expect(Self.texts(event) == expected.map(Self.bytes))
        }
    }

    /// Events compare and hash their texts as strings, as when they were `String`s.
    @Test func canonicallyEquivalentTextsMakeEqualEvents() {
        let precomposed = E.make("caf\u{E9}", .filed, case: "c-\u{E9}", at: "2022-10-01T09:00:00+08:00")
        let decomposed = E.make("cafe\u{301}", .filed, case: "c-e\u{301}", at: "2022-10-01T09:00:00+08:00")
        #expect(precomposed == decomposed)
        #expect(precomposed.hashValue == decomposed.hashValue)
        #expect(precomposed != E.make("cafe", .filed, case: "c-\u{E9}", at: "2022-10-01T09:00:00+08:00"))
    }

    /// The engine remembers the agency and producer of the previous event by their bytes: runs
    /// and alternations of them count under the right agency, and a producer is published again
    /// after each publish that follows one of its events.
    @Test func alternatingAgenciesAndProducersCountWhereTheyBelong() throws {
        let engine = E.engine()
        let plan: [(agency: String, producer: String)] = [
            ("scjg", "p1"), ("scjg", "p1"), ("zrzy", "p1"), ("scjg", "p2"), ("zrzy", "p2"), ("zrzy", "p1"),
            ("scjg", "p1"), ("all-but-not", "p3"), ("scjg", "p3"),
        ]
        var published: [[String]] = []
        for (index, step) in plan.enumerated() {
            engine.apply(E.make(
                "e\(index)", .filed, case: "c\(index)", at: "2022-10-01T09:00:00+08:00", agency: step.agency,
                producer: step.producer, seq: UInt64(index + 1)))
            var keys: [String] = []
            engine.publishChanges { keys.append($0.key) }
            published.append(keys.filter { $0.hasPrefix("/sys/producers/") })
        }
        #expect(published == plan.map { ["/sys/producers/\($0.producer)"] })
        for agency in ["scjg", "zrzy", "all-but-not"] {
            let count = plan.filter { $0.agency == agency }.count
            #expect(try #require(engine.aggregate(forKey: "/m/all/@\(agency)")).filed == Int64(count))
        }
        #expect(try #require(engine.aggregate(forKey: "/m/all/@all")).filed == Int64(plan.count))
        #expect(engine.producers["p1"]?.lastSeq == 7)
        #expect(engine.producers["p2"]?.lastSeq == 5)
        #expect(engine.producers["p3"]?.lastSeq == 9)
        // Each producer's record survives the runs of the others: p1 saw 1, 2, 3, 6, 7.
        #expect(engine.producers.mapValues(\.events) == ["p1": 5, "p2": 2, "p3": 2])
        #expect(engine.producers["p1"]?.gaps == 1 && engine.producers["p1"]?.missing == 2)
    }
}
