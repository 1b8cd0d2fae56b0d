import Foundation

/// The settings one source gives — the file, the environment or the flags — each with its origin.
public struct ConfigurationLayer: Sendable, Equatable {
    /// Each setting given, with where it came from.
    public var values: [ConfigurationKey: (value: ConfigurationValue, origin: ConfigurationOrigin)]

    /// Creates a layer.
    public init(values: [ConfigurationKey: (value: ConfigurationValue, origin: ConfigurationOrigin)] = [:]) {
        self.values = values
    }

    /// Sets `key` as given by `--key`.
    public mutating func setFlag(_ key: ConfigurationKey, _ value: ConfigurationValue?) {
        if let value { values[key] = (value, .flag(key.flag)) }
    }

    /// The settings of the `CASEPULSE_*` variables in `environment`. A list variable holds its
    /// items separated by commas or white space; an integer variable that is not a whole number is
    /// refused here.
    public static func environment(_ environment: [String: String]) throws(ConfigurationError) -> ConfigurationLayer {
        var layer = ConfigurationLayer()
        for key in ConfigurationKey.allCases {
            guard let text = environment[key.environmentVariable] else { continue }
            let origin = ConfigurationOrigin.environment(key.environmentVariable)
            switch key.kind {
            case .string:
                layer.values[key] = (.string(text), origin)
            case .list:
                let items = text.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
                layer.values[key] = (.list(items), origin)
            case .integer:
                guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
                    throw ConfigurationError(origin: origin, key: key.rawValue, problem: "must be a whole number, not \"\(text)\"")
                }
                layer.values[key] = (.integer(number), origin)
            }
        }
        return layer
    }

    /// Both layers' settings; `other`'s win where both have one.
    public func overridden(by other: ConfigurationLayer) -> ConfigurationLayer {
        ConfigurationLayer(values: values.merging(other.values) { _, new in new })
    }

    /// Layers are equal when they give the same values from the same places.
    public static func == (lhs: ConfigurationLayer, rhs: ConfigurationLayer) -> Bool {
        lhs.values.count == rhs.values.count && lhs.values.allSatisfy { key, entry in
            guard let other = rhs.values[key] else { return false }
            return other.value == entry.value && other.origin == entry.origin
        }
    }
}
