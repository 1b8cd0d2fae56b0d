/// Where a setting came from; errors and `--check-config` name it.
public enum ConfigurationOrigin: Sendable, Equatable, CustomStringConvertible {
    /// The embedded default.
    case defaults
    /// A line of the configuration file.
    case file(path: String, line: Int)
    /// An environment variable.
    case environment(String)
    /// A command-line flag.
    case flag(String)

    /// How precedence ranks the source: flags > environment > file > defaults.
    public var rank: Int {
        switch self {
        case .defaults: 0
        case .file: 1
        case .environment: 2
        case .flag: 3
        }
    }

    /// E.g. `configuration file /etc/casepulse/casepulsed.toml, line 7`.
    public var description: String {
        switch self {
        case .defaults: "default"
        case .file(let path, let line): "configuration file \(path), line \(line)"
        case .environment(let name): "environment variable \(name)"
        case .flag(let flag): flag
        }
    }
}
