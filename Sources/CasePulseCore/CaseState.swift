/// Where and when one counted event of a case is placed: 24 bytes, its id in the engine's
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
/// events that count (filing, decision, closing), whether it was voided, and the hashes of every
/// event id seen in it, which is how a redelivery is told from a new event.
///
/// Texts (event ids, parties) live in the engine's ``TextArena``; the first three id hashes are
/// kept here and any more in a list of the engine's, so the common case (filed, decided, closed)
/// costs no allocation at all.
struct CaseState: Sendable {
    /// The filing that counts: the `filed` event with the smallest (at, id).
    var filing = Placement()
    /// The decision that counts: the `decided` event with the largest (at, id).
    var ruling = Placement()
    /// The closing that counts: the `closed` event with the smallest (at, id).
    var closing = Placement()
    /// The decision's fine, in fen.
    var fineFen: Int64 = 0
    /// The decision's waived amount, in fen.
    var waivedFen: Int64 = 0
    /// The filing's subject, or ``TextRef/none``.
    var filingParty = TextRef.none
    /// The decision's subject, or ``TextRef/none``.
    var rulingParty = TextRef.none
    /// The first three id hashes seen, in order of arrival.
    var seen: (UInt64, UInt64, UInt64) = (0, 0, 0)
    /// How many id hashes were seen (those past three are in the engine's overflow lists).
    var seenCount: UInt32 = 0
    /// One more than the index of the engine's overflow list of this case; 0 when it has none.
    var seenOverflow: UInt32 = 0
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

    /// Every id hash seen, in order of arrival: the inline ones, then `overflow`, the list
    /// ``seenOverflow`` names in whichever store holds this state (the engine, or a checkpoint's
    /// copy).
    func seenHashes(overflow: ContiguousArray<UInt64>?) -> [UInt64] {
        var hashes: [UInt64] = []
        hashes.reserveCapacity(Int(seenCount))
        if seenCount > 0 { hashes.append(seen.0) }
        if seenCount > 1 { hashes.append(seen.1) }
        if seenCount > 2 { hashes.append(seen.2) }
        if let overflow { hashes += overflow }
        return hashes
    }
}

/// A 64-bit hash of a string that is the same in every process (FNV-1a, then the SplitMix64
/// finaliser to spread the bits). Used for event ids within one case, where a collision would need
/// two ids of the same case to collide.
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
