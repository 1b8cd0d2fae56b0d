@testable import CasePulseCore
import CasePulseTestKit
import Foundation
import PropertyBased
import Testing

/// An engine restored from its image is the engine that wrote it: the same figures, the same
/// cases, and the same answers to every event that follows.
@Suite struct EngineImageTests {
    static let configuration = EngineConfiguration(timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .gmt, dayRetentionDays: 0)

    /// Random events whose case ids are ASCII for even seeds and not for odd ones (those are
    /// indexed as strings, apart from the ASCII ones).
    static func events(seed: UInt64) -> [CaseEvent] {
        RandomCaseEvents(seed: seed).events().map { event in
            var event = event
            event.caseID = seed % 2 == 0 ? "s\(seed)-\(event.caseID)" : "案件\(seed)-\(event.caseID)-caf\u{E9}"
            return event
        }
    }

    /// The image of `engine`, in blocks of `blockSize` bytes.
    static func image(of engine: Engine, blockSize: Int) throws -> [[UInt8]] {
        var blocks: [[UInt8]] = []
        let encoder = ImageEncoder(blockSize: blockSize) { blocks.append(Array($0)) }
        try engine.writeImage(to: encoder)
        return blocks
    }

    /// An engine restored from `blocks`, as the state store restores one: its sequence numbers
    /// continue above a reservation (here 1,000,000), and every key counts as published.
    static func restored(
        from blocks: [[UInt8]], configuration: EngineConfiguration = configuration, floor: Int64? = nil
    ) throws -> Engine {
        let engine = Engine(configuration: configuration, sequence: 1_000_000)
        engine.restoreRetentionFloor(floor)
        let source = BlockSource(blocks)
        let decoder = ImageDecoder { source.next() }
        _ = try engine.restoreImage(from: decoder)
        #expect(try decoder.isAtEnd())
        engine.markAllPublished()
        return engine
    }

    @Test func aRestoredEngineHasTheSameFiguresAndAnswersEveryLaterEventAlike() async {
        await propertyCheck(count: 40, input: Gen.uint64(in: 0...1_000_000), Gen.int(in: 16...4096)) { seed, blockSize in
            let events = Self.events(seed: seed) + Self.events(seed: seed + 1)
            let original = Engine(configuration: Self.configuration)
            // The first half before the image, the rest after: corrections and redeliveries alike.
            let half = events.count / 2
            for event in events.prefix(half) { original.apply(event) }
            original.publishChanges { _ in }
            let restored: Engine
            do {
                restored = try Self.restored(from: try Self.image(of: original, blockSize: blockSize))
            } catch {
                Issue.record("seed \(seed): \(error)")
                return
            }
            #expect(restored.caseCount == original.caseCount)
            #expect(restored.keyCount == original.keyCount)
            #expect(restored.values(under: "/m/") == original.values(under: "/m/"), "seed \(seed)")
            for event in events.prefix(half) {
                #expect(restored.record(ofCase: event.caseID) == original.record(ofCase: event.caseID))
            }
            let later = RandomCaseEvents.shuffledWithDuplicates(events, seed: seed)
            for event in later {
                #expect(restored.apply(event) == original.apply(event), "seed \(seed) event \(event.id)")
            }
            #expect(restored.values(under: "/m/") == original.values(under: "/m/"), "seed \(seed) after")
        }
    }

    /// Day windows that fell out of the retention leave their slots free; the restored engine
    /// keeps the floor and reuses or skips them as the original does.
    @Test func aRestoredEngineKeepsTheRetentionOfDayWindows() async {
        let retained = EngineConfiguration(timeZone: Self.configuration.timeZone, dayRetentionDays: 1)
        await propertyCheck(count: 30, input: Gen.uint64(in: 0...1_000_000)) { seed in
            let events = Self.events(seed: seed) + Self.events(seed: seed + 1)
            let original = Engine(configuration: retained)
            for event in events { original.apply(event) }
            let times = events.map(\.at).sorted()
            original.advanceClock(toUnixSeconds: times[times.count / 2] / 1_000_000_000)
            original.publishChanges { _ in }
            do {
                let blocks = try Self.image(of: original, blockSize: 512)
                let restored = try Self.restored(from: blocks, configuration: retained, floor: original.retentionFloor)
                #expect(restored.values(under: "/m/") == original.values(under: "/m/"), "seed \(seed)")
                #expect(restored.keyCount == original.keyCount, "seed \(seed) \(original.values(under: "/m/").count)")
                let later = Self.events(seed: seed + 2) + RandomCaseEvents.shuffledWithDuplicates(events, seed: seed)
                for event in later { #expect(restored.apply(event) == original.apply(event)) }
                restored.publishChanges { _ in }
                original.publishChanges { _ in }
                #expect(restored.values(under: "/m/") == original.values(under: "/m/"), "seed \(seed) after")
                #expect(restored.keyCount == original.keyCount)
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
    }

    @Test func aCaseIdInTheOtherUnicodeFormIsTheSameCaseAfterARestore() throws {
        let original = Engine(configuration: Self.configuration)
        let events = Self.events(seed: 7)
        for event in events { original.apply(event) }
        original.publishChanges { _ in }
        let restored = try Self.restored(from: try Self.image(of: original, blockSize: 1 << 20))
        for event in events {
            var decomposed = event
            decomposed.caseID = event.caseID.decomposedStringWithCanonicalMapping
            #expect(decomposed.caseID.utf8.count > event.caseID.utf8.count)
            #expect(restored.apply(decomposed) == .duplicate)
        }
    }

    /// Parties come back as the texts they were indexed by: a later decision naming one of them,
    /// in either Unicode form, counts the same beneficiary, and a new name a new one.
    @Test func partiesAreTheSameBeneficiariesAfterARestore() throws {
        let original = Engine(configuration: Self.configuration)
        let names = ["91370812MA3C5X2Y7K", "caf\u{E9}", "\u{212A}-7", "济宁市任城区某某商店"]
        for (n, name) in names.enumerated() {
            original.apply(E.make("d\(n)", .decided, case: "c\(n)", at: "2022-10-02T09:00:00+08:00", subject: name, decision: .noPenalty))
        }
        original.publishChanges { _ in }
        let restored = try Self.restored(from: try Self.image(of: original, blockSize: 1 << 20))
        #expect(restored.partyTexts.count == names.count)
        let spellings = ["91370812MA3C5X2Y7K", "cafe\u{301}", "K-7", "济宁市任城区某某商店".decomposedStringWithCanonicalMapping]
        for (n, name) in spellings.enumerated() {
            restored.apply(E.make("e\(n)", .decided, case: "k\(n)", at: "2022-10-02T09:00:00+08:00", subject: name, decision: .reduced))
        }
        #expect(try #require(restored.aggregate(forKey: "/m/all/@all")).beneficiaries == names.count)
        restored.apply(E.make("e9", .decided, case: "k9", at: "2022-10-02T09:00:00+08:00", subject: "new", decision: .reduced))
        #expect(try #require(restored.aggregate(forKey: "/m/all/@all")).beneficiaries == names.count + 1)
    }

    @Test func anImageCutShortAnywhereIsRefusedWithoutTrapping() throws {
        let original = Engine(configuration: Self.configuration)
        for event in Self.events(seed: 2) + Self.events(seed: 3) { original.apply(event) }
        original.publishChanges { _ in }
        let bytes = try Self.image(of: original, blockSize: 1 << 20).flatMap { $0 }
        #expect(bytes.count > 10_000)
        var refused = 0
        for length in stride(from: 0, to: bytes.count, by: 97) {
            #expect(throws: ImageError.self) { try Self.restored(from: [Array(bytes.prefix(length))]) }
            refused += 1
        }
        #expect(refused > 100)
        #expect(try Self.restored(from: [bytes]).values(under: "/m/") == original.values(under: "/m/"))
    }

    @Test func anImageOfAnotherCalendarIsRefused() throws {
        let original = Engine(configuration: Self.configuration)
        for event in Self.events(seed: 4) { original.apply(event) }
        let blocks = try Self.image(of: original, blockSize: 4096)
        let utc = EngineConfiguration(timeZone: .gmt, dayRetentionDays: 0)
        #expect(throws: ImageError.calendarMismatch) { try Self.restored(from: blocks, configuration: utc) }
        let retained = EngineConfiguration(timeZone: Self.configuration.timeZone, dayRetentionDays: 30)
        #expect(throws: ImageError.calendarMismatch) { try Self.restored(from: blocks, configuration: retained) }
    }

    /// A case voided before any event was placed names no place, in an engine that has none yet:
    /// its image reads back, and the places interned after the restore are the ones it answers by.
    @Test func anImageWhoseOnlyCaseWasVoidedBeforeAnyPlaceReadsBack() throws {
        let original = Engine(configuration: Self.configuration)
        original.apply(E.make("v1", .voided, case: "c1", at: "2022-10-02T09:00:00+08:00"))
        original.publishChanges { _ in }
        #expect(original.places.isEmpty)
        let restored = try Self.restored(from: try Self.image(of: original, blockSize: 1 << 20))
        #expect(restored.caseCount == 1)
        let later = [
            E.make("f1", .filed, case: "c1", at: "2022-10-01T09:00:00+08:00"),
            E.make("f2", .filed, case: "c2", at: "2022-10-01T09:00:00+08:00", region: "370811", agency: "zfj"),
            E.make("d2", .decided, case: "c2", at: "2022-10-02T09:00:00+08:00", agency: "scjg"),
        ]
        for event in later { #expect(restored.apply(event) == original.apply(event)) }
        #expect(restored.values(under: "/m/") == original.values(under: "/m/"))
        #expect(try #require(restored.aggregate(forKey: "/m/2022-10-02/370000/370800/370812/@scjg")).decided == 1)
    }

    /// A case whose event names a place the image's table does not hold is refused, not trapped on
    /// at its first look-up.
    @Test func anEventAtAPlaceTheImageDoesNotHoldIsRefused() throws {
        let original = Engine(configuration: Self.configuration)
        let filing = E.make("f1", .filed, case: "c1", at: "2022-10-02T09:00:00+08:00")
        original.apply(filing)
        var bytes = try Self.image(of: original, blockSize: 1 << 20).flatMap { $0 }
        #expect(try Self.restored(from: [bytes]).caseCount == 1)
        // The filing: i64 at, u32 id reference, u32 day, u32 place (0, the only place).
        let at = withUnsafeBytes(of: filing.at.littleEndian, Array.init)
        let start = try #require(bytes.indices.first { bytes[$0...].starts(with: at) })
        #expect(bytes[(start + 16)..<(start + 20)].allSatisfy { $0 == 0 })
        bytes[start + 16] = 1
        #expect(throws: ImageError.self) { try Self.restored(from: [bytes]) }
    }

    /// An image that lists one key for two live slots is refused: the key map keeps no keys of
    /// its own, so the restore looks each key up before it takes it.
    @Test func anImageThatRepeatsAKeyIsRefused() throws {
        let original = Engine(configuration: Self.configuration)
        original.apply(E.make("f1", .filed, case: "c1", at: "2022-10-02T09:00:00+08:00"))
        original.publishChanges { _ in }
        var bytes = try Self.image(of: original, blockSize: 1 << 20).flatMap { $0 }
        #expect(try Self.restored(from: [bytes]).values(under: "/m/") == original.values(under: "/m/"))
        // Each slot: u8 live, u32 window, u32 region node, u32 agency, then its figures.
        func record(_ key: AggregateKey) -> [UInt8] {
            [1] + [key.window, key.region, key.agency].flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
        }
        let first = record(original.slotKeys[0]), second = record(original.slotKeys[1])
        let start = try #require(bytes.indices.first { bytes[$0...].starts(with: second) })
        bytes.replaceSubrange(start..<(start + second.count), with: first)
        #expect(throws: ImageError.self) { try Self.restored(from: [bytes]) }
    }

    @Test func anEngineThatHoldsStateRefusesAnImage() throws {
        let original = Engine(configuration: Self.configuration)
        let events = Self.events(seed: 6)
        for event in events { original.apply(event) }
        let blocks = try Self.image(of: original, blockSize: 4096)
        let busy = Engine(configuration: Self.configuration)
        busy.apply(events[0])
        let source = BlockSource(blocks)
        let decoder = ImageDecoder { source.next() }
        #expect(throws: ImageError.self) { try busy.restoreImage(from: decoder) }
    }
}

/// Blocks handed to an ``ImageDecoder`` one at a time, each in memory of its own that stays put
/// until the source goes.
final class BlockSource {
    private let buffers: [UnsafeMutableRawBufferPointer]
    private var taken = 0

    init(_ blocks: [[UInt8]]) {
        buffers = blocks.map { block in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: block.count, alignment: 16)
            buffer.copyBytes(from: block)
            return buffer
        }
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
    }

    func next() -> UnsafeRawBufferPointer? {
        guard taken < buffers.count else { return nil }
        defer { taken += 1 }
        return UnsafeRawBufferPointer(buffers[taken])
    }
}
