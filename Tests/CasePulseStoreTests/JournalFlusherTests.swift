import CasePulseCore
import CasePulseTestKit
import Dispatch
import Foundation
import Synchronization
import Testing

@testable import CasePulseStore

/// Group commit off the server thread: a commit hands its record to the journal's flusher and
/// returns a ticket; the events count as durable once the flusher's durable ticket reaches it.
@Suite struct JournalFlusherTests {
    static let configuration = StateStoreTests.configuration

    /// A store with a fresh engine, and `count` accepted events buffered in its journal.
    static func store(in directory: String, fsync: FsyncMode = .batch, events sets: ClosedRange<UInt64> = 1...2) throws -> (StateStore, Engine, Int) {
        let store = try StateStore(directory: directory, fsync: fsync)
        let (engine, _) = try store.recover(configuration: configuration)
        var accepted = 0
        for event in StateStoreTests.events(sets: sets) where engine.apply(event) == .accepted {
            store.append(event)
            accepted += 1
        }
        return (store, engine, accepted)
    }

    /// The records in the journal file of `epoch`, with the events they hold.
    static func records(in directory: String, epoch: UInt64) throws -> (records: Int, events: Int) {
        var events = 0
        let read = try Journal.read(directory: directory, epoch: epoch) { kind, payload in
            guard kind == .events else { return }
            var offset = 0
            while offset + 4 <= payload.count {
                let length = Int(payload.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
                offset += 4 + length
                events += 1
            }
        }
        return (read.records, events)
    }

    /// Holds the store's journal flusher up, as a sync that waits for the disk does, until the
    /// returned semaphore is signalled.
    static func holdFlusher(of store: StateStore) -> DispatchSemaphore {
        let flusher = store.journal.flusher
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = try? flusher.withFile { _ in
                holding.signal()
                release.wait()
            }
        }
        holding.wait()
        return release
    }

    @Test func aCommitReturnsWhileTheDiskIsBusyAndItsTicketBecomesDurableAfter() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-flusher"), directory = scratch.path
        let (store, _, accepted) = try Self.store(in: directory)
        #expect(accepted > 0)
        // The flusher is held up, as by a sync that waits for the disk.
        let release = Self.holdFlusher(of: store)
        let ticket = try store.commitInBackground()
        // The commit came back without the disk: its events are not durable yet.
        #expect(ticket == store.lastTicket)
        #expect(store.durableTicket < ticket)
        release.signal()
        try store.waitUntilDurable()
        #expect(store.durableTicket == ticket)
        let written = try Self.records(in: directory, epoch: store.journal.epoch)
        #expect(written.records == 1)
        #expect(written.events == accepted)
    }

    @Test func recordsHandedOverDuringASyncShareTheNextOneAndKeepTheirOrder() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-flusher"), directory = scratch.path
        let expected: [String: String], accepted: Int
        do {
            let (store, engine, _) = try Self.store(in: directory, events: 1...1)
            let wakes = Atomic<Int>(0)
            store.onDurable { wakes.add(1, ordering: .relaxed) }
            let release = Self.holdFlusher(of: store)
            var tickets: [UInt64] = [try store.commitInBackground()]
            for set in UInt64(2)...4 {
                for event in StateStoreTests.events(sets: set...set) where engine.apply(event) == .accepted { store.append(event) }
                tickets.append(try store.commitInBackground())
            }
            #expect(tickets == [1, 2, 3, 4])
            #expect(store.durableTicket == 0)
            release.signal()
            try store.waitUntilDurable()
            #expect(store.durableTicket == 4)
            // Four records, written in order, made durable together: one wake-up of the owner, not
            // four.
            #expect(try Self.records(in: directory, epoch: store.journal.epoch).records == 4)
            #expect(wakes.load(ordering: .relaxed) == 1)
            expected = engine.values(under: "/m/")
            accepted = Int(engine.ingest.accepted)
        }
        // What they hold replays to the same figures.
        let reopened = try StateStore(directory: directory, fsync: .batch)
        let (recovered, recovery) = try reopened.recover(configuration: Self.configuration)
        #expect(recovery.journalEvents == accepted)
        #expect(recovered.values(under: "/m/") == expected)
    }

    @Test func aCommitWithNothingElseToDoIsWrittenOnTheCallingThreadUnlessTheFlusherIsBusy() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-flusher"), directory = scratch.path
        let (store, engine, _) = try Self.store(in: directory, events: 1...1)
        let wakes = Atomic<Int>(0)
        store.onDurable { wakes.add(1, ordering: .relaxed) }
        // An idle flusher: durable on return, and no wake-up (the caller knows).
        let first = try store.commitInBackground(inlineWhenIdle: true)
        #expect(store.durableTicket == first)
        #expect(wakes.load(ordering: .relaxed) == 0)
        // A flusher with a record in hand: the next one is handed over, not waited for.
        let release = Self.holdFlusher(of: store)
        for event in StateStoreTests.events(sets: 2...2) where engine.apply(event) == .accepted { store.append(event) }
        let second = try store.commitInBackground()
        for event in StateStoreTests.events(sets: 3...3) where engine.apply(event) == .accepted { store.append(event) }
        let third = try store.commitInBackground(inlineWhenIdle: true)
        #expect(store.durableTicket == first)
        #expect(third == second + 1)
        release.signal()
        try store.waitUntilDurable()
        #expect(store.durableTicket == third)
        #expect(try Self.records(in: directory, epoch: store.journal.epoch).records == 3)
    }

    @Test func withFsyncAlwaysACommitIsDurableOnReturn() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-flusher"), directory = scratch.path
        let (store, _, _) = try Self.store(in: directory, fsync: .always)
        let ticket = try store.commitInBackground()
        #expect(ticket == 1)
        #expect(store.durableTicket == ticket)
    }

    @Test func aFailedWriteIsNeverDurableAndStopsTheJournal() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-flusher"), directory = scratch.path
        let (store, _, _) = try Self.store(in: directory)
        // The file the first record goes to cannot be opened for writing.
        let path = Journal.path(directory: directory, epoch: store.journal.epoch)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let woken = Atomic<Int>(0)
        store.onDurable { woken.add(1, ordering: .relaxed) }
        let ticket = try store.commitInBackground()
        #expect(throws: StoreError.self) { try store.waitUntilDurable() }
        #expect(store.durableTicket < ticket)
        #expect(store.journalFailure?.description.contains(path) == true)
        // The owner was woken to see the failure, and every later commit refuses.
        #expect(woken.load(ordering: .relaxed) == 1)
        store.append(body: UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(throws: StoreError.self) { try store.commitInBackground() }
        try FileManager.default.removeItem(atPath: path)
    }
}
