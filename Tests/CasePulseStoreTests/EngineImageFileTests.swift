import CasePulseCore
import CasePulseTestKit
import Foundation
import GRDB
import Testing

@testable import CasePulseStore

/// The engine image of a clean stop: read back by the next start instead of the records, at most
/// once, and never when it is not the last stop's or does not read back whole.
@Suite struct EngineImageFileTests {
    static let configuration = StateStoreTests.configuration

    /// A state in `directory` holding `events`, stopped cleanly (the final checkpoint and its
    /// image); returns the engine as it stopped.
    @discardableResult
    static func stopCleanly(_ directory: String, after events: [CaseEvent]) throws -> Engine {
        let store = try StateStore(directory: directory, fsync: .off)
        let (engine, _) = try store.recover(configuration: configuration)
        for event in events where engine.apply(event) == .accepted { store.append(event) }
        engine.publishChanges { _ in }
        try store.checkpoint(engine, final: true)
        guard case .success(let image) = store.imageWritten else {
            Issue.record("no image: \(String(describing: store.imageWritten))")
            return engine
        }
        #expect(image.bytes > 0)
        return engine
    }

    static func imageToken(_ directory: String) throws -> String? {
        try DatabaseQueue(path: directory + "/casepulse.sqlite").read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'image_token'")
        }
    }

    static func imageExists(_ directory: String) -> Bool {
        FileManager.default.fileExists(atPath: EngineImageFile.path(in: directory))
    }

    @Test func theNextStartReadsTheImageOnceAndThenForgetsIt() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-image"), directory = scratch.path
        let events = StateStoreTests.events(sets: 1...300)
        let stopped = try Self.stopCleanly(directory, after: events)
        #expect(Self.imageExists(directory))
        #expect(try Self.imageToken(directory).flatMap(UInt64.init) != nil)
        do {
            let store = try StateStore(directory: directory, fsync: .off)
            let (engine, recovery) = try store.recover(configuration: Self.configuration)
            #expect(recovery.fromImage && recovery.warnings.isEmpty)
            #expect(recovery.cases == stopped.caseCount)
            #expect(engine.values(under: "/m/") == stopped.values(under: "/m/"))
            #expect(engine.ingest.accepted == stopped.ingest.accepted)
            #expect(engine.producers == stopped.producers)
            // Used once: the image and its token are gone before any event is taken.
            #expect(!Self.imageExists(directory))
            #expect(try Self.imageToken(directory) == "")
            for event in events.prefix(100) { #expect(engine.apply(event) == .duplicate) }
            // No clean stop: a crash.
        }
        let store = try StateStore(directory: directory, fsync: .off)
        let (engine, recovery) = try store.recover(configuration: Self.configuration)
        #expect(!recovery.fromImage && recovery.warnings.isEmpty)
        #expect(engine.values(under: "/m/") == stopped.values(under: "/m/"))
    }

    @Test func anImageOfAnEarlierStopIsNotUsed() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-image"), directory = scratch.path
        let events = StateStoreTests.events(sets: 1...200)
        try Self.stopCleanly(directory, after: Array(events.prefix(events.count / 2)))
        let earlier = try Data(contentsOf: URL(fileURLWithPath: EngineImageFile.path(in: directory)))
        let stopped = try Self.stopCleanly(directory, after: Array(events.dropFirst(events.count / 2)))
        try earlier.write(to: URL(fileURLWithPath: EngineImageFile.path(in: directory)))
        let store = try StateStore(directory: directory, fsync: .off)
        let (engine, recovery) = try store.recover(configuration: Self.configuration)
        #expect(!recovery.fromImage)
        #expect(recovery.warnings.count == 1 && recovery.warnings.first?.contains("another stop") == true, "\(recovery.warnings)")
        #expect(engine.values(under: "/m/") == stopped.values(under: "/m/"))
        #expect(!Self.imageExists(directory))
    }

    /// Protocols/STATE.md, Recovery, step 4: at start `engine.image` "(and any
    /// `engine.image.tmp`)" is deleted. Junk left in the temporary file beside a clean stop's image
    /// is gone once the store has recovered, and the image is still used.
    @Test func aStartDeletesALeftoverTemporaryImage() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-image"), directory = scratch.path
        try Self.stopCleanly(directory, after: StateStoreTests.events(sets: 1...20))
        let temporary = directory + "/" + EngineImageFile.temporaryName
        try Data("a stop cut short".utf8).write(to: URL(fileURLWithPath: temporary))
        let store = try StateStore(directory: directory, fsync: .off)
        let (_, recovery) = try store.recover(configuration: Self.configuration)
        #expect(recovery.fromImage && recovery.warnings.isEmpty, "\(recovery.warnings)")
        #expect(!FileManager.default.fileExists(atPath: temporary))
        #expect(!Self.imageExists(directory))
    }

    @Test(arguments: ["flip", "truncate", "drop the end"])
    func aDamagedImageIsNotUsed(damage: String) throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-image"), directory = scratch.path
        let stopped = try Self.stopCleanly(directory, after: StateStoreTests.events(sets: 1...200))
        let url = URL(fileURLWithPath: EngineImageFile.path(in: directory))
        var bytes = try Data(contentsOf: url)
        switch damage {
        case "flip": bytes[bytes.count / 2] ^= 0x10
        case "truncate": bytes = bytes.prefix(bytes.count / 2)
        default: bytes = bytes.dropLast(24)
        }
        try bytes.write(to: url)
        let store = try StateStore(directory: directory, fsync: .off)
        let (engine, recovery) = try store.recover(configuration: Self.configuration)
        #expect(!recovery.fromImage)
        let expected = damage == "flip" ? "fails its checksum" : "ends early"
        #expect(recovery.warnings.count == 1 && recovery.warnings.first?.contains(expected) == true, "\(recovery.warnings)")
        #expect(engine.values(under: "/m/") == stopped.values(under: "/m/"))
        // Taken apart from the records: later events are told apart as before.
        for event in StateStoreTests.events(sets: 1...5) { #expect(engine.apply(event) == .duplicate) }
    }

    /// STATE.md: a stop whose image cannot be written (disk full) is still clean; the next start
    /// rebuilds from the records and says why.
    @Test func aStopWhoseImageCannotBeWrittenIsStillClean() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-image"), directory = scratch.path
        let events = StateStoreTests.events(sets: 1...50)
        let stopped: Engine
        do {
            let store = try StateStore(directory: directory, fsync: .off)
            let (engine, _) = try store.recover(configuration: Self.configuration)
            for event in events where engine.apply(event) == .accepted { store.append(event) }
            engine.publishChanges { _ in }
            // A directory, not empty, where the image is written: neither opened nor renamed over.
            let obstacle = EngineImageFile.path(in: directory) + ".tmp"
            try FileManager.default.createDirectory(atPath: obstacle + "/in-the-way", withIntermediateDirectories: true)
            try store.checkpoint(engine, final: true)
            guard case .failure = store.imageWritten else {
                Issue.record("an image was written through a directory: \(String(describing: store.imageWritten))")
                return
            }
            try FileManager.default.removeItem(atPath: obstacle)
            stopped = engine
        }
        #expect(!Self.imageExists(directory))
        let verified = try StateVerifier.verify(directory: directory, timeZone: nil)
        #expect(verified.compared && verified.differences.isEmpty && verified.journalEvents == 0)
        let store = try StateStore(directory: directory, fsync: .off)
        let (engine, recovery) = try store.recover(configuration: Self.configuration)
        #expect(!recovery.fromImage && recovery.cases == stopped.caseCount)
        #expect(recovery.warnings.contains { $0.contains(EngineImageFile.path(in: directory)) }, "\(recovery.warnings)")
        #expect(engine.values(under: "/m/") == stopped.values(under: "/m/"))
    }

    @Test func anotherCalendarRebuildsFromTheRecords() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-image"), directory = scratch.path
        try Self.stopCleanly(directory, after: StateStoreTests.events(sets: 1...50))
        let utc = EngineConfiguration(timeZone: .gmt, dayRetentionDays: 0)
        let store = try StateStore(directory: directory, fsync: .off)
        let (engine, recovery) = try store.recover(configuration: utc)
        #expect(!recovery.fromImage && recovery.calendarChanged)
        let reference = Engine(configuration: utc)
        for event in StateStoreTests.events(sets: 1...50) { reference.apply(event) }
        #expect(engine.values(under: "/m/") == reference.values(under: "/m/"))
        #expect(!Self.imageExists(directory))
    }
}
