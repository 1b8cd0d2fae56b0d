/// A setting that cannot be used, said in one line naming where it came from and the key, e.g.
/// `configuration file /etc/casepulse/casepulsed.toml, line 7, key "publish-interval": must be 0 or
/// more milliseconds, not -5`.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the setting came from.
    public var origin: ConfigurationOrigin?
    /// The key, when one is concerned.
    public var key: String?
    /// What is wrong.
    public var problem: String

    /// Creates an error.
    public init(origin: ConfigurationOrigin?, key: String?, problem: String) {
        self.origin = origin
        self.key = key
        self.problem = problem
    }

    /// The one line an operator reads.
    public var description: String {
        var parts: [String] = []
        switch origin {
        case .flag(let flag)?: parts.append(flag)
        case let origin?:
            parts.append(origin.description)
            if let key { parts.append("key \"\(key)\"") }
        case nil:
            if let key { parts.append("key \"\(key)\"") }
        }
        return parts.isEmpty ? problem : parts.joined(separator: ", ") + ": " + problem
    }
}
