/// Where and when one counted event of a case is placed.
struct Placement: Sendable {
    /// Event time, nanoseconds since the Unix epoch.
    var at: Int64
    /// The event id, the tie-breaker for equal times.
    var id: String
    /// Local day of `at` in the engine's zone, as `Window.day` code.
    var day: UInt32
    /// Region of the event.
    var region: RegionCode
    /// Interned agency.
    var agency: UInt32

    /// Whether this placement comes before `other` in (at, id) order, ids compared by UTF-8 bytes.
    func precedes(_ other: Placement) -> Bool {
        if at != other.at { return at < other.at }
        return id.utf8.lexicographicallyPrecedes(other.id.utf8)
    }
}

/// The filing that counts for a case: its `filed` event with the smallest (at, id).
struct Filing: Sendable {
    var placement: Placement
    var online: Bool
    /// The party (subject), interned only when it is counted as a beneficiary.
    var party: String?
}

/// The decision that counts for a case: its `decided` event with the largest (at, id).
struct Ruling: Sendable {
    var placement: Placement
    var decision: Decision
    var reason: Reason?
    var fineFen: Int64
    var waivedFen: Int64
    /// The party (subject), interned only when it is counted as a beneficiary.
    var party: String?
}

/// What the engine remembers of one case: the three events that count, whether it was voided, and
/// the (hashed) ids of every event seen, which is how a redelivery is told from a new event.
struct CaseState: Sendable {
    var filing: Filing?
    var ruling: Ruling?
    var closing: Placement?
    var voided = false
    var seen: [UInt64] = []

    /// The party a ruling benefits: its own subject, else the filing's; `nil` when the decision is
    /// not favourable or no party is known.
    func beneficiary(of ruling: Ruling) -> String? {
        guard ruling.decision.benefitsParty else { return nil }
        return ruling.party ?? filing?.party
    }
}

/// A 64-bit hash of a string that is the same in every process (FNV-1a, then the SplitMix64
/// finaliser to spread the bits). Used for event ids within one case, where a collision would need
/// two ids of the same case to collide.
enum StableHash {
    static func of(_ text: String) -> UInt64 {
        // Native strings lend their bytes in one buffer; iterating `utf8` costs several times more.
        if let hash = text.utf8.withContiguousStorageIfAvailable({ fnv1a($0) }) { return SplitMix64.mix(hash) }
        return SplitMix64.mix(fnv1a(text.utf8))
    }

    @inline(__always)
    private static func fnv1a<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
