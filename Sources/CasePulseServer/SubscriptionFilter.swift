#if canImport(Glibc)
import Glibc
#endif

/// The topic prefixes the subscribers of the publish socket hold, as its XPUB reports them.
///
/// libzmq's XPUB (not verbose) reports a prefix once when its first subscriber subscribes (`0x01`
/// then the prefix) and once when its last one unsubscribes or disconnects (`0x00` then the
/// prefix), so the set is exactly the prefixes some subscriber holds. A key no prefix matches would
/// be dropped by libzmq unsent; the server skips rendering it at all.
struct SubscriptionFilter: Sendable, Equatable {
    /// Every prefix held, as bytes.
    private(set) var prefixes: Set<[UInt8]> = []
    /// Whether some subscriber holds the empty prefix (everything).
    private(set) var matchesEverything = false

    /// A filter with no subscriptions: nothing matches.
    init() {}

    /// Whether some prefix can match an `/m/` key: the empty prefix, a prefix of `/m/` itself
    /// (`/`, `/m`) or one under it. When none can, the server does not even name the changed
    /// figures' keys.
    private(set) var mayMatchFigures = false

    /// Whether nothing is subscribed.
    var isEmpty: Bool { prefixes.isEmpty }

    /// Applies one message read from an XPUB: `0x01 prefix` subscribes, `0x00 prefix` unsubscribes.
    /// Anything else (an empty or unknown message) changes nothing; returns whether it changed.
    @discardableResult
    mutating func apply(_ message: UnsafeRawBufferPointer) -> Bool {
        guard let kind = message.first, kind <= 1 else { return false }
        let prefix = Array(message.dropFirst())
        let changed = kind == 1 ? prefixes.insert(prefix).inserted : prefixes.remove(prefix) != nil
        matchesEverything = prefixes.contains([])
        let figures = Array("/m/".utf8)
        mayMatchFigures = prefixes.contains { $0.starts(with: figures) || figures.starts(with: $0) }
        return changed
    }

    /// Whether some subscriber's prefix is a prefix of `key`.
    func matches(_ key: UnsafeRawBufferPointer) -> Bool {
        if matchesEverything { return true }
        guard let keyStart = key.baseAddress else { return false }
        for prefix in prefixes where prefix.count <= key.count {
            let equal = prefix.withUnsafeBytes { prefix in
                prefix.baseAddress.map { memcmp($0, keyStart, prefix.count) == 0 } ?? false
            }
            if equal { return true }
        }
        return false
    }
}
