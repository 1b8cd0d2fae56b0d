import CasePulseCore
import CasePulseTestKit
import Foundation
import Testing

@testable import CasePulseStore

/// A start with another day retention rebuilds the figures with it, and a crash before the first
/// checkpoint after that start does not bring the old calendar's retention floor back.
@Suite struct CalendarChangeTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt
    /// 2024-03-21T12:00+08:00: "today" of every engine here.
    static let now: Int64 = 1_710_993_600
    static let day: Int64 = 86_400

    /// One filed case a day at noon, from 19 days before ``now`` to ``now``.
    static let events: [CaseEvent] = (0..<20).map { back in
        let region = RegionCode("370812")!
        return CaseEvent(
            id: "e\(back)", producer: "calendar-app", seq: nil, type: .filed, caseID: "c\(back)",
            at: (now - Int64(back) * day) * 1_000_000_000, region: region, agency: "scjg", channel: .online)
    }

    /// The figures of ``events`` with `days` of retention at ``now``, computed directly.
    static func reference(days: Int) -> [String: String] {
        let engine = Engine(configuration: EngineConfiguration(timeZone: zone, dayRetentionDays: days))
        for event in events { engine.apply(event) }
        engine.advanceClock(toUnixSeconds: now)
        return engine.values(under: "/m/")
    }

    /// Opens the state in `directory` with `days` of retention and brings its clock to ``now``.
    static func start(_ directory: String, days: Int) throws -> (StateStore, Engine, StateStore.Recovery) {
        let store = try StateStore(directory: directory, fsync: .off)
        let (engine, recovery) = try store.recover(configuration: EngineConfiguration(timeZone: zone, dayRetentionDays: days))
        engine.advanceClock(toUnixSeconds: now)
        return (store, engine, recovery)
    }

    @Test(arguments: [(2, 10), (10, 2), (2, 0)])
    func aLongerOrShorterRetentionSurvivesACrashBeforeItsFirstCheckpoint(before: Int, after: Int) throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-calendar"), directory = scratch.path
        do {
            let (store, engine, _) = try Self.start(directory, days: before)
            for event in Self.events where engine.apply(event) == .accepted { store.append(event) }
            try store.checkpoint(engine, final: true)
            #expect(engine.values(under: "/m/") == Self.reference(days: before))
        }
        do {
            let (_, engine, recovery) = try Self.start(directory, days: after)
            #expect(recovery.calendarChanged)
            #expect(engine.values(under: "/m/") == Self.reference(days: after))
            // No checkpoint, no clean stop: a crash.
        }
        let (_, engine, recovery) = try Self.start(directory, days: after)
        #expect(!recovery.calendarChanged)
        let figures = engine.values(under: "/m/"), reference = Self.reference(days: after)
        let missing = reference.keys.filter { figures[$0] == nil }.sorted()
        #expect(figures == reference, "\(missing.count) keys missing, e.g. \(missing.first ?? "")")
    }
}
