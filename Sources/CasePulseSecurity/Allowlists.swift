import CasePulseServer

/// Who may connect: the producer and subscriber allowlists currently in force.
///
/// Producers may use the ingest and reliable sockets, subscribers the snapshot and publish
/// sockets; a key in neither list is denied everywhere. A producer key does not read figures and
/// a subscriber key does not send events, unless the same key is in both directories.
public struct Allowlists: Sendable, Hashable, CustomStringConvertible {
    /// Keys admitted to `ingest` and `reliable`; `nil` when no producer directory is configured.
    public var producers: KeyDirectory?
    /// Keys admitted to `snapshot` and `publish`; `nil` when no subscriber directory is configured.
    public var subscribers: KeyDirectory?

    /// Creates allowlists.
    ///
    /// - Parameters:
    ///   - producers: The producer keys.
    ///   - subscribers: The subscriber keys.
    public init(producers: KeyDirectory?, subscribers: KeyDirectory?) {
        self.producers = producers
        self.subscribers = subscribers
    }

    /// The allowlist that governs a socket role.
    public func list(for role: EndpointRole) -> KeyDirectory? {
        switch role {
        case .ingest, .reliable: producers
        case .snapshot, .publish: subscribers
        }
    }

    /// The name of `key` when it may connect to a socket of `role`, else `nil`.
    public func name(of key: [UInt8], for role: EndpointRole) -> String? {
        list(for: role)?.names[key]
    }

    /// `2 producer keys from DIR, no subscribers`.
    public var description: String {
        func part(_ list: KeyDirectory?, _ what: String) -> String {
            guard let list else { return "no \(what)s" }
            return "\(list.names.count) \(what) key\(list.names.count == 1 ? "" : "s") from \(list.path)"
        }
        return part(producers, "producer") + ", " + part(subscribers, "subscriber")
    }
}
