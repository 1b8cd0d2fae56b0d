/// Where and when one counted event of a case is placed: 20 bytes, its id in the engine's
/// ``TextArena`` and its (region, agency) an interned ``Place``.
struct Placement: Sendable {
    /// Event time, nanoseconds since the Unix epoch.
    var at: Int64 = 0
    /// The event id, the tie-breaker for equal times.
    var id = TextRef.none
    /// Local day of `at` in the engine's zone, as `Window.day` code.
    var day: UInt32 = 0
    /// The event's interned (region, agency): an index into ``Engine/places``.
    var place: UInt32 = 0

    /// Its (day, place): the key of its day window's slot list, and of its entry while figures are
    /// deferred.
    var dayKey: PlacementKey { PlacementKey(day: day, place: place) }

    /// Whether `other` counts under exactly the same keys: the same local day and place.
    func sharesKeys(with other: Placement) -> Bool {
        day == other.day && place == other.place
    }
}

/// A region and an agency that events were placed at, interned by the engine: a case's three
/// placements name theirs in four bytes each instead of twelve, and the slot lists of a day are
/// keyed by (day, place) in eight bytes.
struct Place: Hashable, Sendable {
    /// The region, ``RegionCode/packed``.
    var region: UInt64
    /// The interned agency.
    var agency: UInt32

    /// The region.
    var regionCode: RegionCode { RegionCode(packed: region) }
}

/// What the engine remembers of one case, in one fixed-size value with no references: the three
/// events that count (filing, decision, closing), whether it was voided, and every event id seen
/// in it, which is how a redelivery is told from a new event.
///
/// Texts (event ids, parties) live in the engine's ``TextArena``. The ids of the events that count
/// are their placements' own, compared in the arena; the hashes of every other id seen (an event
/// superseded or that never counted, a void, what came after it) are in a list of the engine's. So the common case (filed,
/// decided, closed) keeps no hash of its own and costs no allocation at all.
struct CaseState: Sendable {
    // The order packs the state into 96 bytes: each placement is 20 bytes aligned to 8, so a
    // 4-byte field follows each one in what would be its padding.

    /// The filing that counts: the `filed` event with the smallest (at, id).
    var filing = Placement()
    /// The filing's subject, or ``TextRef/none``.
    var filingParty = TextRef.none
    /// The decision that counts: the `decided` event with the largest (at, id).
    var ruling = Placement()
    /// The decision's subject, or ``TextRef/none``.
    var rulingParty = TextRef.none
    /// The closing that counts: the `closed` event with the smallest (at, id).
    var closing = Placement()
    /// One more than the index of the engine's list of the id hashes of this case's events that do
    /// not count (``Engine/otherIDs``); 0 when it has none.
    var otherIDs: UInt32 = 0
    /// The decision's fine, in fen.
    var fineFen: Int64 = 0
    /// The decision's waived amount, in fen.
    var waivedFen: Int64 = 0
    /// The interned party the decision counts as a beneficiary, or ``CaseState/noParty``.
    var beneficiary = CaseState.noParty
    /// Which of the events are present, whether the case was voided, the filing's channel.
    var flags: Flags = []
    /// The decision's kind.
    var decision = Decision.standard
    /// The decision's reason.
    var reason: Reason?

    /// No beneficiary is counted.
    static let noParty = UInt32.max

    /// What a case has.
    struct Flags: OptionSet, Sendable {
        let rawValue: UInt8
        static let filed = Flags(rawValue: 1)
        static let ruled = Flags(rawValue: 2)
        static let closed = Flags(rawValue: 4)
        static let voided = Flags(rawValue: 8)
        /// The filing was online.
        static let online = Flags(rawValue: 16)
    }

    /// Whether a `voided` event was seen.
    var voided: Bool { flags.contains(.voided) }

    /// Every id hash seen: those of the events that count, each worked out by `hash` from its id,
    /// then `others`, the list ``otherIDs`` names in whichever store holds this state (the
    /// engine, or a checkpoint's copy).
    func seenHashes(others: ContiguousArray<UInt64>?, hash: (TextRef) -> UInt64) -> [UInt64] {
        var hashes: [UInt64] = []
        hashes.reserveCapacity(3 + (others?.count ?? 0))
        if flags.contains(.filed) { hashes.append(hash(filing.id)) }
        if flags.contains(.ruled) { hashes.append(hash(ruling.id)) }
        if flags.contains(.closed) { hashes.append(hash(closing.id)) }
        if let others { hashes += others }
        return hashes
    }
}

/// A 64-bit hash of a string that is the same in every process (FNV-1a, then the SplitMix64
/// finaliser to spread the bits). Used for event ids: a case keeps those of its events that do not
/// count, and the engine's table of every id seen is keyed by them.
enum StableHash {
    static func of(_ text: String) -> UInt64 {
        // Native strings lend their bytes in one buffer; iterating `utf8` costs several times more.
        text.withUTF8Bytes { of(bytes: $0) }
    }

    /// The hash of UTF-8 `bytes`: the same as ``of(_:)`` of their text.
    @inline(__always)
    static func of(bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return SplitMix64.mix(hash)
    }

}
