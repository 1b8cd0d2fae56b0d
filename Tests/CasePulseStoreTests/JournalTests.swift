import CasePulseCore
import CasePulseTestKit
import Foundation
import GRDB
import Testing

@testable import CasePulseStore

#if canImport(Glibc)
import Glibc
#endif

/// The journal files of format 3, and recovery across every point a crash can hit a checkpoint.
@Suite struct JournalTests {
    static let configuration = StateStoreTests.configuration

    static func events(_ sets: ClosedRange<UInt64>) -> [CaseEvent] { StateStoreTests.events(sets: sets) }

    /// Applies and journals `events`, committing every `batch`.
    static func journal(_ events: [CaseEvent], into store: StateStore, engine: Engine, live: Engine, batch: Int = 40) throws {
        for (index, event) in events.enumerated() {
            if engine.apply(event) == .accepted { store.append(event) }
            live.apply(event)
            if index % batch == batch - 1 { try store.commit() }
        }
        try store.commit()
    }

    /// A fresh store (`--fsync off`) in `directory` with the first half of `events` applied and
    /// journaled (and applied to `live`), and the index of the first event not yet journaled.
    static func storeWithHalfJournaled(
        _ events: [CaseEvent], in directory: String, live: Engine
    ) throws -> (store: StateStore, engine: Engine, next: Int) {
        let store = try StateStore(directory: directory, fsync: .off)
        let (engine, _) = try store.recover(configuration: configuration)
        let half = events.count / 2
        try journal(Array(events.prefix(half)), into: store, engine: engine, live: live)
        return (store, engine, half)
    }

    @Test func theChecksumIsCRC32C() {
        // The check value of CRC-32C (RFC 3720 B.4), and a run longer than one 8-byte step.
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC32C.checksum($0) } == 0xE306_9283)
        let zeros = [UInt8](repeating: 0, count: 32)
        #expect(zeros.withUnsafeBytes { CRC32C.checksum($0) } == 0x8A91_36AA)
        // Continuing over two pieces is the checksum of the whole.
        let text = Array("casepulse journal record".utf8)
        let whole = text.withUnsafeBytes { CRC32C.checksum($0) }
        let pieces = text.withUnsafeBytes { bytes in
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[5...]),
                            continuing: CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[..<5])))
        }
        #expect(pieces == whole)
        // The same check values by the tables, whatever this CPU has.
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC32C.tableChecksum($0) } == 0xE306_9283)
        #expect(zeros.withUnsafeBytes { CRC32C.tableChecksum($0) } == 0x8A91_36AA)
    }

    /// Where the CPU's instruction is used, it agrees with the tables at every length and offset
    /// (the 8-byte steps and the byte tail, on unaligned starts).
    @Test func theInstructionAndTheTablesAgree() {
        var random = SplitMix64(seed: 3720)
        let bytes = (0..<1_100).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        bytes.withUnsafeBytes { all in
            for start in 0..<9 {
                for count in [0, 1, 7, 8, 9, 15, 16, 17, 63, 255, 1_000] {
                    let piece = UnsafeRawBufferPointer(rebasing: all[start..<(start + count)])
                    #expect(CRC32C.checksum(piece, continuing: 0x1234_5678) == CRC32C.tableChecksum(piece, continuing: 0x1234_5678))
                }
            }
        }
    }

    @Test func aRecordCutShortByACrashEndsTheJournalAndIsReported() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        let events = Self.events(1...6)
        let live = Engine(configuration: Self.configuration)
        let epoch: UInt64
        let kept: Int
        do {
            let store = try StateStore(directory: directory, fsync: .batch)
            let (engine, _) = try store.recover(configuration: Self.configuration)
            try Self.journal(Array(events.dropLast(30)), into: store, engine: engine, live: live)
            kept = Int(engine.ingest.accepted)
            let end = store.journal.offset
            for event in events.suffix(30) where engine.apply(event) == .accepted { store.append(event) }
            try store.commit()
            epoch = store.journal.epoch
            // The crash: the last record reached the disk only in part.
            #expect(truncate(Journal.path(directory: directory, epoch: epoch), off_t(end + 40)) == 0)
        }
        let expected = Engine(configuration: Self.configuration)
        for event in events.dropLast(30) { expected.apply(event) }
        do {
            let store = try StateStore(directory: directory, fsync: .batch)
            let (recovered, recovery) = try store.recover(configuration: Self.configuration)
            #expect(recovery.journalEvents == kept)
            #expect(recovered.ingest.accepted == expected.ingest.accepted)
            #expect(recovered.values(under: "/m/") == expected.values(under: "/m/"))
            #expect(recovery.warnings.count == 1)
            #expect(recovery.warnings.first?.contains(Journal.path(directory: directory, epoch: epoch)) == true)
            // The journal goes on in a new file; the damaged one is never appended to.
            #expect(store.journal.epoch > epoch)
            try Self.journal(Array(events.suffix(30)), into: store, engine: recovered, live: expected)
        }
        let store = try StateStore(directory: directory, fsync: .batch)
        let (recovered, _) = try store.recover(configuration: Self.configuration)
        for event in events.suffix(30) { live.apply(event) }
        #expect(recovered.values(under: "/m/") == live.values(under: "/m/"))
        #expect(recovered.values(under: "/m/") == expected.values(under: "/m/"))
    }

    @Test func aDamagedRecordInsideTheFileIsSkippedAndTheRecordsAfterItAreReplayed() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        let events = Self.events(1...10)
        let path: String
        var ends: [Int] = []
        do {
            let store = try StateStore(directory: directory, fsync: .off)
            let (engine, _) = try store.recover(configuration: Self.configuration)
            for chunk in stride(from: 0, to: events.count, by: 50) {
                for event in events[chunk..<min(chunk + 50, events.count)] where engine.apply(event) == .accepted {
                    store.append(event)
                }
                try store.commit()
                ends.append(store.journal.offset)
            }
            path = Journal.path(directory: directory, epoch: store.journal.epoch)
        }
        #expect(ends.count >= 4)
        // One byte of the second record's payload rots.
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: UInt64(ends[0] + 30))
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: UInt64(ends[0] + 30))
        try handle.write(contentsOf: [byte ^ 0x20])
        try handle.close()
        let summary = try Journal.read(directory: directory, epoch: 1) { _, _ in }
        #expect(summary.records == ends.count - 1 && summary.damagedRecords == 1 && !summary.cutShort)
        let store = try StateStore(directory: directory, fsync: .off)
        let (recovered, recovery) = try store.recover(configuration: Self.configuration)
        let expected = Engine(configuration: Self.configuration)
        for event in events.prefix(50) + events.dropFirst(100) { expected.apply(event) }
        #expect(recovered.values(under: "/m/") == expected.values(under: "/m/"))
        #expect(recovery.warnings.contains { $0.contains("1 records fail their checksum") })
    }

    @Test func epochsCutButNotYetCheckpointedAreAllReplayed() throws {
        // A crash after a checkpoint moved the journal on but before its transaction committed:
        // the records are the previous checkpoint's, and every epoch since is replayed.
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        let events = Self.events(1...30)
        let live = Engine(configuration: Self.configuration)
        let third = events.count / 3
        var checkpointed: Int64 = 0
        do {
            let store = try StateStore(directory: directory, fsync: .off)
            let (engine, _) = try store.recover(configuration: Self.configuration)
            try Self.journal(Array(events.prefix(third)), into: store, engine: engine, live: live)
            #expect(try store.checkpoint(engine))
            try store.waitForCheckpoint()
            checkpointed = engine.ingest.accepted
            try Self.journal(Array(events.dropFirst(third).prefix(third)), into: store, engine: engine, live: live)
            // What a checkpoint does on the loop, without the write that would follow.
            _ = engine.takeChangedCases()
            try store.journal.rotate()
            try Self.journal(Array(events.dropFirst(2 * third)), into: store, engine: engine, live: live)
            #expect(try Journal.epochs(in: directory) == [2, 3])
        }
        let store = try StateStore(directory: directory, fsync: .off)
        let (recovered, recovery) = try store.recover(configuration: Self.configuration)
        #expect(recovery.journalEvents == Int(live.ingest.accepted - checkpointed))
        #expect(recovered.values(under: "/m/") == live.values(under: "/m/"))
        #expect(recovered.ingest.accepted == live.ingest.accepted)
        // The next checkpoint folds both epochs in and deletes their files.
        #expect(try store.checkpoint(recovered))
        try store.waitForCheckpoint()
        #expect(try Journal.epochs(in: directory) == [store.journal.epoch, store.journal.epoch + 1])
    }

    @Test func aCheckpointCutInSlicesWhileEventsArriveHoldsEveryCaseAsItStoodWhenTheJournalMovedOn() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        let events = Self.events(1...40)
        let live = Engine(configuration: Self.configuration)
        var sinceCut: Int64 = 0
        do {
            let (store, engine, half) = try Self.storeWithHalfJournaled(events, in: directory, live: live)
            var next = half
            // Slices of 7 cases, with events between them that change cases already copied.
            var slices = 0
            while try !store.checkpointSlice(engine, slice: 7) {
                slices += 1
                let more = Array(events[next..<min(next + 5, events.count)])
                try Self.journal(more, into: store, engine: engine, live: live)
                next += more.count
            }
            #expect(slices > 10 && !store.isCuttingCheckpoint)
            let atCut = engine.ingest.accepted
            try store.waitForCheckpoint()
            try Self.journal(Array(events[next...]), into: store, engine: engine, live: live)
            sinceCut = engine.ingest.accepted - atCut
            // The records alone are every case as it stood when the journal moved on.
            let verified = try StateVerifier.verify(directory: directory, timeZone: nil)
            #expect(verified.cases > 0 && verified.journalEvents == Int(sinceCut))
        }
        let store = try StateStore(directory: directory, fsync: .off)
        let (recovered, recovery) = try store.recover(configuration: Self.configuration)
        #expect(recovery.journalEvents == Int(sinceCut))
        #expect(recovered.values(under: "/m/") == live.values(under: "/m/"))
        #expect(recovered.ingest.accepted == live.ingest.accepted)
        #expect(recovered.ingest.duplicates == live.ingest.duplicates)
    }

    /// A clean stop while a cut is under way: the copies the cut took are written, then the
    /// cases changed since, read from the engine in place — a case copied and changed again
    /// keeps its later state, and the records alone hold every event.
    @Test func aFinalCheckpointDuringACutKeepsEachCaseAsItStandsAtTheStop() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        let events = Self.events(1...30)
        let live = Engine(configuration: Self.configuration)
        do {
            let (store, engine, half) = try Self.storeWithHalfJournaled(events, in: directory, live: live)
            var next = half
            for _ in 0..<3 {
                #expect(try !store.checkpointSlice(engine, slice: 5))
                let more = Array(events[next..<next + 20])
                try Self.journal(more, into: store, engine: engine, live: live)
                next += more.count
            }
            #expect(store.isCuttingCheckpoint)
            try Self.journal(Array(events[next...]), into: store, engine: engine, live: live)
            try store.checkpoint(engine, final: true)
            #expect(!store.isCuttingCheckpoint)
            #expect(engine.takeChangedCases().count == 0, "the stop forgot the changes it wrote")
            let verified = try StateVerifier.verify(directory: directory, timeZone: nil)
            #expect(verified.cases == live.caseCount && verified.journalEvents == 0)
        }
        // The records alone, without the image.
        try EngineImageFile.remove(directory: directory)
        let store = try StateStore(directory: directory, fsync: .off)
        let (recovered, recovery) = try store.recover(configuration: Self.configuration)
        #expect(recovery.journalEvents == 0)
        #expect(recovered.values(under: "/m/") == live.values(under: "/m/"))
        #expect(recovered.ingest.accepted == live.ingest.accepted)
    }

    @Test func theFileAWriterMadeReadyTakesTheNextEpochsEvents() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        let events = Self.events(1...12)
        let live = Engine(configuration: Self.configuration)
        let third = events.count / 3
        var epoch: UInt64 = 0
        do {
            let store = try StateStore(directory: directory, fsync: .batch)
            let (engine, _) = try store.recover(configuration: Self.configuration)
            for part in 0..<3 {
                try Self.journal(Array(events.dropFirst(part * third).prefix(part == 2 ? events.count : third)),
                                 into: store, engine: engine, live: live)
                if part < 2 {
                    #expect(try store.checkpoint(engine))
                    try store.waitForCheckpoint()
                    // The writer made the epoch after the new one ready: written zeros, no records.
                    let ready = Journal.path(directory: directory, epoch: store.journal.epoch + 1)
                    #expect(try FileManager.default.attributesOfItem(atPath: ready)[.size] as? Int == Journal.allocationStep)
                    #expect(try Journal.read(directory: directory, epoch: store.journal.epoch + 1) { _, _ in }.records == 0)
                }
            }
            epoch = store.journal.epoch
        }
        // The last third went into the file made ready by the first checkpoint.
        #expect(epoch == 3)
        #expect(try Journal.read(directory: directory, epoch: epoch) { _, _ in }.records > 1)
        let store = try StateStore(directory: directory, fsync: .batch)
        let (recovered, _) = try store.recover(configuration: Self.configuration)
        #expect(recovered.values(under: "/m/") == live.values(under: "/m/"))
        #expect(recovered.ingest.accepted == live.ingest.accepted)
    }

    @Test func aCheckpointThatCommittedButDidNotDeleteItsJournalIsNotReplayed() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.appending("state")
        let events = Self.events(1...10)
        let live = Engine(configuration: Self.configuration)
        let saved = scratch.appending("saved.cpj")
        do {
            let store = try StateStore(directory: directory, fsync: .off)
            let (engine, _) = try store.recover(configuration: Self.configuration)
            try Self.journal(events, into: store, engine: engine, live: live)
            let path = Journal.path(directory: directory, epoch: store.journal.epoch)
            try FileManager.default.copyItem(atPath: path, toPath: saved)
            #expect(try store.checkpoint(engine))
            try store.waitForCheckpoint()
            // The crash: the file the checkpoint folded in is still there.
            try FileManager.default.copyItem(atPath: saved, toPath: path)
        }
        let store = try StateStore(directory: directory, fsync: .off)
        #expect(try Journal.epochs(in: directory) == [2, 3])
        let (recovered, recovery) = try store.recover(configuration: Self.configuration)
        #expect(recovery.journalEvents == 0 && recovery.cases == live.caseCount)
        #expect(recovered.values(under: "/m/") == live.values(under: "/m/"))
        // Replayed again, its events would have counted as duplicates.
        #expect(recovered.ingest.duplicates == live.ingest.duplicates)
    }

    @Test func pendingBytesCountWhatTheNextRecordWillHold() throws {
        // The server commits early once a batch's bytes pass its limit: the count must be exact.
        let scratch = try TemporaryDirectory(prefix: "casepulse-store")
        let store = try StateStore(directory: scratch.path, fsync: .off)
        #expect(store.pendingBytes == 0)
        let body = Array("{\"x\":1}".utf8)
        body.withUnsafeBytes { store.append(body: $0) }
        body.withUnsafeBytes { store.append(body: $0) }
        #expect(store.pendingBytes == 2 * (4 + body.count))
        try store.commit()
        #expect(store.pendingBytes == 0 && store.journal.offset == Journal.fileHeaderSize + Journal.recordHeaderSize + 2 * (4 + body.count))
    }

    @Test func aSequenceReservationInTheJournalOutlivesACrash() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        let far: UInt64 = 7_000_000
        do {
            let store = try StateStore(directory: directory, fsync: .batch)
            let (engine, _) = try store.recover(configuration: Self.configuration)
            #expect(engine.sequence < far)
            // Numbers up to `far` may now be published; then the process dies.
            try store.ensureSequence(far, configuration: Self.configuration)
        }
        let store = try StateStore(directory: directory, fsync: .batch)
        let (recovered, _) = try store.recover(configuration: Self.configuration)
        #expect(recovered.sequence > far)
    }

    @Test func aFileOfAnotherEpochOrFormatIsRefusedNamingIt() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        do {
            let store = try StateStore(directory: directory, fsync: .off)
            let (engine, _) = try store.recover(configuration: Self.configuration)
            let live = Engine(configuration: Self.configuration)
            try Self.journal(Self.events(1...1), into: store, engine: engine, live: live)
        }
        let moved = Journal.path(directory: directory, epoch: 5)
        try FileManager.default.moveItem(atPath: Journal.path(directory: directory, epoch: 1), toPath: moved)
        let store = try StateStore(directory: directory, fsync: .off)
        #expect { _ = try store.recover(configuration: Self.configuration) } throws: { error in
            "\(error)".contains(moved) && "\(error)".contains("epoch 1")
        }
    }

    @Test func aFileWhoseHeaderNeverReachedTheDiskHoldsNothing() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(
            atPath: Journal.path(directory: directory, epoch: 1), contents: Data(count: 4096)))
        let store = try StateStore(directory: directory, fsync: .off)
        let (_, recovery) = try store.recover(configuration: Self.configuration)
        #expect(recovery.journalEvents == 0 && recovery.warnings.isEmpty)
        #expect(store.journal.epoch == 2)
    }

    /// The next two files are prepared while the journal is replayed: once the recovery returns,
    /// both are whole (header and every zero written), not still being written.
    @Test func aRecoveryReturnsWithTheJournalsNextTwoFilesWhole() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-store"), directory = scratch.path
        do {
            let store = try StateStore(directory: directory, fsync: .off)
            let (engine, _) = try store.recover(configuration: Self.configuration)
            try Self.journal(Self.events(1...4), into: store, engine: engine, live: Engine(configuration: Self.configuration))
        }
        let store = try StateStore(directory: directory, fsync: .off)
        let (_, recovery) = try store.recover(configuration: Self.configuration)
        #expect(recovery.journalEvents > 0)
        let epoch = store.journal.epoch
        for next in [epoch, epoch + 1] {
            let file = try Data(contentsOf: URL(fileURLWithPath: Journal.path(directory: directory, epoch: next)))
            #expect(file.count == Journal.allocationStep)
            #expect(Array(file.prefix(Journal.fileHeaderSize)) == Journal.header(epoch: next))
            #expect(file.dropFirst(Journal.fileHeaderSize).allSatisfy { $0 == 0 })
        }
    }
}
