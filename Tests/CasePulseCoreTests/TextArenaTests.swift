import Testing

@testable import CasePulseCore

@Suite struct TextArenaTests {
    /// Texts of every length up to the contract's longest id, past several chunk ends: each reads
    /// back as written, and none straddles two chunks.
    @Test func readsBackEveryTextAcrossChunks() {
        let arena = TextArena()
        var random = SplitMix64(seed: 7)
        var written: [(TextRef, String)] = []
        while arena.byteCount < 3 * TextArena.chunkSize {
            let length = random.int(0..<513)
            let text = String(decoding: (0..<length).map { _ in UInt8(0x21 + random.below(90)) }, as: UTF8.self)
            written.append((arena.append(text), text))
        }
        for (ref, text) in written {
            #expect(arena.string(ref) == text)
            let start = ref.offset & (TextArena.chunkSize - 1)
            #expect(start + TextRef.storedSize(ofLength: text.utf8.count) <= TextArena.chunkSize)
            #expect(arena.holds(ref))
        }
        #expect(arena.string(arena.append("é-ü-中")) == "é-ü-中")
    }

    /// A length takes one byte below 128 and two from there to the longest text a store holds;
    /// both stores read every length back, and a copied text reads as its original.
    @Test func lengthsOfOneAndTwoBytesReadBack() {
        let arena = TextArena()
        var copies = TextBytes()
        for length in [0, 1, 127, 128, 129, 255, 256, 512, 4_000, TextRef.maximumLength] {
            let text = String(repeating: "x", count: length)
            let ref = arena.append(text)
            #expect(arena.string(ref) == text, "\(length)")
            let copy = arena.withBytes(ref) { copies.append($0) }
            #expect(copies.string(copy) == text, "\(length) copied")
            #expect(TextRef.storedSize(ofLength: length) == length + (length < 128 ? 1 : 2))
        }
    }

    /// An image's references are checked before use: one past the bytes held, or whose length
    /// runs past them, is not held.
    @Test func aReferenceOutsideTheTextsIsNotHeld() {
        let arena = TextArena()
        let first = arena.append("abc")
        let last = arena.append(String(repeating: "y", count: 200))
        #expect(arena.holds(first) && arena.holds(last))
        #expect(!arena.holds(TextRef(offset: last.offset + TextRef.storedSize(ofLength: 200))), "past the end")
        #expect(!arena.holds(TextRef(offset: last.offset + TextRef.storedSize(ofLength: 200) - 1)), "a length that runs past the end")
        #expect(!arena.holds(TextRef(offset: TextArena.chunkSize)), "a chunk not held")
        #expect(!arena.holds(.none))
    }

    /// An engine whose text store is nearly full says so before an event's texts would not fit,
    /// and keeps a 64th of the store free: no append ever hits the store's end.
    @Test func theEngineSaysWhenAnEventsTextsWouldNotFit() throws {
        let engine = Engine(configuration: EngineConfiguration(timeZone: E.shanghai, dayRetentionDays: 0), textChunks: 2)
        var applied = 0
        var refused = false
        for number in 0..<100_000 {
            let event = E.make("event-\(number)-of-a-long-series", .filed, case: "case-\(number)-with-a-long-id",
                at: "2022-10-01T09:00:00+08:00", subject: "91370812MA\(number)")
            let room = event.withView { engine.hasRoom(forTextsOf: $0) }
            guard room else {
                refused = true
                break
            }
            #expect(engine.apply(event) == .accepted)
            applied += 1
        }
        #expect(refused && applied > 10_000, "\(applied) events fit")
        #expect(engine.texts.remainingBytes >= engine.texts.capacity / 64 - 512)
    }

    /// A batch the nearly full store has room for, as a whole, is one whose events each pass
    /// their own check when applied in turn (the daemon then applies it whole, looking ahead).
    /// Batches of 1 to 40 events, each cut short until the store has room for it, fill the store
    /// up to where a single event no longer fits: the last batches are as large as fit.
    @Test func aBatchWithRoomIsOneWhoseEventsEachHaveRoom() {
        let engine = Engine(configuration: EngineConfiguration(timeZone: E.shanghai, dayRetentionDays: 0), textChunks: 2)
        var random = SplitMix64(seed: 5)
        var number = 0
        var batchesWithRoom = 0
        while true {
            let events = (0..<random.int(1..<41)).map { _ in
                number += 1
                let subject = random.int(0..<3) == 0 ? nil : "91370812MA\(number)" + String(repeating: "x", count: random.int(0..<60))
                return E.make("event-\(number)", .filed, case: "case-\(number)-" + String(repeating: "c", count: random.int(0..<90)),
                    at: "2022-10-01T09:00:00+08:00", subject: subject)
            }
            var fitting = events
            func batch(of events: [CaseEvent]) -> CaseEventBatch {
                var batch = CaseEventBatch()
                for event in events { event.withView { batch.append($0) } }
                return batch
            }
            while !fitting.isEmpty, !engine.hasRoom(forTextsOf: batch(of: fitting)) { fitting.removeLast() }
            guard !fitting.isEmpty else { break }
            batchesWithRoom += 1
            for event in fitting {
                #expect(event.withView { engine.hasRoom(forTextsOf: $0) }, "event \(event.id) of a batch with room")
                #expect(engine.apply(event) == .accepted)
            }
        }
        #expect(batchesWithRoom > 500, "\(batchesWithRoom) batches fit")
        // Within an event of the limit: one of at most some 400 bytes, counted twice.
        #expect(engine.texts.remainingBytes < engine.texts.capacity / 64 + 2 * 400)
        #expect(engine.texts.remainingBytes >= engine.texts.capacity / 64 - 512)
    }

    /// A duplicate — an id seen in its case, or in another — is told by a look-up that interns
    /// nothing: the daemon acknowledges one even when the store takes no new texts. A case id
    /// that is not ASCII is found by its canonical form, as when it is applied.
    @Test func aRedeliveryIsToldWithoutInterningAnything() {
        let engine = E.engine()
        let at = "2022-10-01T09:00:00+08:00"
        let ascii = E.make("e-1", .filed, case: "c-1", at: at)
        let precomposed = E.make("e-2", .filed, case: "c-\u{E9}", at: at)
        #expect(!ascii.withView { engine.isRedelivery($0) })
        #expect(engine.apply(ascii) == .accepted && engine.apply(precomposed) == .accepted)
        #expect(ascii.withView { engine.isRedelivery($0) })
        #expect(precomposed.withView { engine.isRedelivery($0) })
        #expect(E.make("e-2", .decided, case: "c-e\u{301}", at: at).withView { engine.isRedelivery($0) })
        #expect(!E.make("e-3", .filed, case: "c-1", at: at).withView { engine.isRedelivery($0) }, "a new id")
        #expect(E.make("e-1", .filed, case: "c-2", at: at).withView { engine.isRedelivery($0) }, "an id seen in another case")
        #expect(E.make("e-2", .closed, case: "c-1", at: at).withView { engine.isRedelivery($0) }, "and in a non-ASCII one")
        #expect(engine.caseCount == 2)
    }

    /// The byte order the engine breaks time ties with is the order of the UTF-8 bytes.
    @Test func comparesLikeUTF8Bytes() {
        var random = SplitMix64(seed: 11)
        let alphabet: [UInt8] = [0x30, 0x31, 0x61, 0xC3, 0xA9, 0xFF]
        for _ in 0..<5_000 {
            let left = (0..<random.int(0..<5)).map { _ in alphabet[random.int(0..<alphabet.count)] }
            let right = (0..<random.int(0..<5)).map { _ in alphabet[random.int(0..<alphabet.count)] }
            let order = left.withUnsafeBytes { l in right.withUnsafeBytes { r in compareBytes(l, r) } }
            #expect((order < 0) == left.lexicographicallyPrecedes(right))
            #expect((order == 0) == (left == right))
        }
    }
}

@Suite struct CaseStorageTests {
    /// A case that sees more events than count (six of these filings never count, or stop): every
    /// one of them is still told apart from a redelivery, and its record — from the engine, from a
    /// checkpoint's copy, and from an engine that restored it — lists every id once.
    @Test func idsOfEventsThatDoNotCountAreRemembered() {
        let engine = E.engine()
        let ids = (1...7).map { "filing-of-case-with-long-id-\($0)" }
        for (offset, id) in ids.enumerated() {
            #expect(engine.apply(E.make(id, .filed, case: "c-many", at: "2022-10-0\(offset + 1)T10:00:00+08:00")) == .accepted)
        }
        for id in ids {
            #expect(engine.apply(E.make(id, .filed, case: "c-many", at: "2022-11-01T10:00:00+08:00")) == .duplicate)
        }
        let record = engine.record(ofCase: "c-many")
        #expect(record?.seen.count == 7)
        #expect(Set(record?.seen ?? []) == Set(ids.map(StableHash.of)))
        #expect(record?.filing?.id == ids[0])
        var fromCheckpoint: [CaseRecord] = []
        engine.takeChangedCases().forEachRecord(orderedBy: { $0 }) { _, record in fromCheckpoint.append(record) }
        #expect(fromCheckpoint == [record].compactMap { $0 })

        let restored = E.engine()
        if let record { restored.restore(record) }
        #expect(restored.record(ofCase: "c-many") == record)
        #expect(restored.apply(E.make(ids[6], .filed, case: "c-many", at: "2022-12-01T10:00:00+08:00")) == .duplicate)
        #expect(restored.apply(E.make("one-more", .filed, case: "c-many", at: "2022-12-01T10:00:00+08:00")) == .accepted)
    }

    /// A checkpoint's copy owns its texts: cases the engine takes in later still read back as
    /// they were, however far the engine's store has grown since.
    @Test func aCheckpointCopyOwnsItsTexts() {
        let engine = E.engine()
        engine.apply(E.make("f-1", .filed, case: "c-first", at: "2022-10-01T10:00:00+08:00", subject: "party-of-the-first-case"))
        engine.apply(E.make("d-1", .decided, case: "c-first", at: "2022-10-02T10:00:00+08:00", decision: .noPenalty, reason: .minor))
        let expected = engine.record(ofCase: "c-first")
        let copy = engine.takeChangedCases()
        for index in 0..<25_000 {
            engine.apply(E.make("filing-\(index)-with-a-long-event-id", .filed, case: "case-\(index)-padded-out-long", at: "2022-10-03T10:00:00+08:00"))
        }
        var records: [CaseRecord] = []
        copy.forEachRecord(orderedBy: { $0 }) { _, record in records.append(record) }
        #expect(records == [expected].compactMap { $0 })
        #expect(records.first?.filing?.subject == "party-of-the-first-case")
        #expect(records.first?.decision?.subject == nil)
    }
}
