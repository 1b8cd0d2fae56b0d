/// Builds the effective configuration from its sources. Precedence, strongest first: flags,
/// `CASEPULSE_*` environment variables, the configuration file, the embedded defaults. Every
/// source is checked in full, so a bad file line is reported even where a flag overrides it.
public struct ConfigurationLoader: Sendable {
    /// Settings given as flags.
    public var flags: ConfigurationLayer
    /// `--config FILE`, if given.
    public var configFlag: String?
    /// The process environment.
    public var environment: [String: String]

    /// Creates a loader.
    public init(flags: ConfigurationLayer = ConfigurationLayer(), configFlag: String? = nil, environment: [String: String]) {
        self.flags = flags
        self.configFlag = configFlag
        self.environment = environment
    }

    /// The file read: `--config`, else `CASEPULSE_CONFIG`, else the default location; only a file
    /// named explicitly must exist.
    public var file: (path: String, required: Bool) {
        if let configFlag { return (configFlag, true) }
        if let named = environment["CASEPULSE_CONFIG"], !named.isEmpty { return (named, true) }
        return (ConfigurationFile.defaultPath(environment: environment), false)
    }

    /// Reads the file and the environment again and resolves the configuration.
    public func load() throws(ConfigurationError) -> DaemonConfiguration {
        let file = self.file
        let layers = [
            try ConfigurationFile.load(path: file.path, required: file.required),
            try ConfigurationLayer.environment(environment),
            flags,
        ]
        var configuration = DaemonConfiguration(environment: environment)
        for layer in layers {
            for key in layer.values.keys.sorted() {
                guard let entry = layer.values[key] else { continue }
                try configuration.apply(entry.value, to: key, from: entry.origin)
            }
        }
        return configuration
    }
}
