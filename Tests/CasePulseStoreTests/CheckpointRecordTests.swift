import CasePulseCore
import CasePulseTestKit
import Foundation
import PropertyBased
import Testing

@testable import CasePulseStore

/// The checkpoint writer's records, encoded straight from the copied cases: the same keys, in the
/// same order, and the same bytes as the records built of strings.
@Suite struct CheckpointRecordTests {
    /// Events of a random set, some case ids not ASCII — one written decomposed (`e` and a
    /// combining acute), which the engine takes as the same case as its precomposed `é`.
    static func events(seed: UInt64) -> [CaseEvent] {
        RandomCaseEvents.shuffledWithDuplicates(RandomCaseEvents(seed: seed).events(), seed: seed &+ 1).map { event in
            var event = event
            switch event.caseID.utf8.count % 3 {
            case 0: event.caseID = "案-" + event.caseID
            case 1: event.caseID = (event.seq ?? 0) % 2 == 0 ? "caf\u{E9}-" + event.caseID : "cafe\u{301}-" + event.caseID
            default: break
            }
            return event
        }
    }

    /// Both ways of writing `cases`: (key bytes, record bytes) in the order handed.
    static func bothWays(_ cases: ChangedCases) throws -> (direct: [([UInt8], [UInt8])], built: [([UInt8], [UInt8])]) {
        var direct: [([UInt8], [UInt8])] = []
        try cases.forEachCase(canonicalizing: StateStore.canonical) { key, view in
            var record: [UInt8] = []
            RecordCodec.encode(view, into: &record)
            direct.append((Array(key), record))
        }
        var built: [([UInt8], [UInt8])] = []
        cases.forEachRecord(orderedBy: StateStore.canonical) { key, record in
            built.append((Array(key.utf8), RecordCodec.encode(record)))
        }
        return (direct, built)
    }

    @Test func casesCopiedInSlicesEncodeAsTheirRecordsDo() async throws {
        await propertyCheck(count: 100, input: Gen.uint64(), Gen.int(in: 1...40)) { seed, slice in
            let events = Self.events(seed: seed)
            let engine = Engine(configuration: StateStoreTests.configuration)
            var cases = ChangedCases()
            // Slices taken while events go on: a case changed after its copy is copied again, and
            // the later copy is the one written.
            for (index, event) in events.enumerated() {
                engine.apply(event)
                if index % 7 == 6 { _ = engine.takeChangedCases(into: &cases, limit: slice) }
            }
            _ = engine.takeChangedCases(into: &cases, limit: .max)
            let (direct, built) = try #require(try? Self.bothWays(cases))
            #expect(direct.count == built.count, "seed \(seed)")
            #expect(direct.count == engine.caseCount, "every case once, seed \(seed)")
            let differing = zip(direct, built).filter { $0.0 != $1.0 || $0.1 != $1.1 }.map { String(decoding: $0.0.0, as: UTF8.self) }
            #expect(differing.isEmpty, "seed \(seed): \(differing.count) cases differ, the first \(differing.first ?? "")")
            #expect(direct.map(\.0) == direct.map(\.0).sorted { $0.lexicographicallyPrecedes($1) })
        }
    }

    /// A clean stop's final checkpoint reads the changed cases from the engine in place: the same
    /// keys, order and record bytes as copies of them would give, and the marks stay until
    /// forgotten.
    @Test func changedCasesReadInPlaceEncodeAsTheirCopiesDo() async throws {
        await propertyCheck(count: 100, input: Gen.uint64(), Gen.int(in: 1...40)) { seed, slice in
            let events = Self.events(seed: seed)
            // Two engines fed alike: one read in place, the other copied.
            let engine = Engine(configuration: StateStoreTests.configuration)
            let twin = Engine(configuration: StateStoreTests.configuration)
            var taken = ChangedCases()
            for (index, event) in events.enumerated() {
                engine.apply(event)
                twin.apply(event)
                // Some cases taken before the end, so that only the rest is marked.
                if index == events.count / 2 {
                    _ = engine.takeChangedCases(into: &taken, limit: slice)
                    _ = twin.takeChangedCases(into: &taken, limit: slice)
                }
            }
            var inPlace: [([UInt8], [UInt8])] = []
            let walked: Void? = try? engine.forEachChangedCase(canonicalizing: StateStore.canonical) { key, view in
                var record: [UInt8] = []
                RecordCodec.encode(view, into: &record)
                inPlace.append((Array(key), record))
            }
            #expect(walked != nil)
            let (direct, _) = try #require(try? Self.bothWays(twin.takeChangedCases()))
            #expect(inPlace.count == direct.count, "seed \(seed)")
            #expect(zip(inPlace, direct).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }, "seed \(seed)")
            // Reading leaves the marks; forgetting clears them.
            var again = 0
            _ = try? engine.forEachChangedCase(canonicalizing: StateStore.canonical) { _, _ in again += 1 }
            #expect(again == direct.count, "seed \(seed)")
            engine.forgetChangedCases()
            #expect(engine.takeChangedCases().count == 0, "seed \(seed)")
        }
    }

    @Test func aDecomposedIdIsWrittenInItsCanonicalForm() throws {
        let engine = Engine(configuration: StateStoreTests.configuration)
        let region = try #require(RegionCode("370812"))
        engine.apply(CaseEvent(
            id: "e1", producer: "p", type: .filed, caseID: "cafe\u{301}-1", at: 1_664_935_200_000_000_000,
            region: region, agency: "scjg", channel: .online))
        var keys: [[UInt8]] = []
        try engine.takeChangedCases().forEachCase(canonicalizing: StateStore.canonical) { key, _ in keys.append(Array(key)) }
        #expect(keys == [Array("caf\u{E9}-1".utf8)])
    }
}
