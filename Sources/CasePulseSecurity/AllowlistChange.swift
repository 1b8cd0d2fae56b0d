/// What a reload changed: certificate names added to and removed from each allowlist.
public struct AllowlistChange: Sendable, Hashable, CustomStringConvertible {
    /// Producers whose key is new (a new name, or a name with a new key).
    public var producersAdded: [String]
    /// Producers whose key is no longer listed (revoked, or replaced by a new key).
    public var producersRemoved: [String]
    /// Subscribers whose key is new.
    public var subscribersAdded: [String]
    /// Subscribers whose key is no longer listed.
    public var subscribersRemoved: [String]

    /// The difference between two allowlists.
    ///
    /// - Parameters:
    ///   - old: The allowlists before.
    ///   - new: The allowlists after.
    public init(from old: Allowlists, to new: Allowlists) {
        func difference(_ before: KeyDirectory?, _ after: KeyDirectory?) -> (added: [String], removed: [String]) {
            let before = Set((before?.names ?? [:]).map { Entry(key: $0.key, name: $0.value) })
            let after = Set((after?.names ?? [:]).map { Entry(key: $0.key, name: $0.value) })
            return (after.subtracting(before).map(\.name).sorted(), before.subtracting(after).map(\.name).sorted())
        }
        (producersAdded, producersRemoved) = difference(old.producers, new.producers)
        (subscribersAdded, subscribersRemoved) = difference(old.subscribers, new.subscribers)
    }

    private struct Entry: Hashable {
        var key: [UInt8]
        var name: String
    }

    /// Whether nothing changed.
    public var isEmpty: Bool {
        producersAdded.isEmpty && producersRemoved.isEmpty && subscribersAdded.isEmpty && subscribersRemoved.isEmpty
    }

    /// `producers +a -b, subscribers +c` or `no change`.
    public var description: String {
        guard !isEmpty else { return "no change" }
        func part(_ what: String, _ added: [String], _ removed: [String]) -> String? {
            let items = added.map { "+" + $0 } + removed.map { "-" + $0 }
            return items.isEmpty ? nil : "\(what) " + items.joined(separator: " ")
        }
        return [part("producers", producersAdded, producersRemoved), part("subscribers", subscribersAdded, subscribersRemoved)]
            .compactMap { $0 }.joined(separator: ", ")
    }
}
