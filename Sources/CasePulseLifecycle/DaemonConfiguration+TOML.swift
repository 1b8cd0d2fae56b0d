import Foundation

extension DaemonConfiguration {
    /// The configuration as a TOML file that gives it back, each key commented with its source —
    /// what `casepulsed --check-config` prints.
    public func renderedTOML(file: String) -> String {
        var lines = ["# casepulsed: effective configuration (file \(file); precedence: flags > CASEPULSE_* > file > defaults)"]
        for key in ConfigurationKey.allCases {
            let origin = origins[key] ?? .defaults
            guard let value = value(of: key) else {
                lines.append("# \(key.rawValue) = \"\"  # not set")
                continue
            }
            lines.append("\(key.rawValue) = \(Self.toml(value))  # \(origin)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A TOML literal for `value`.
    static func toml(_ value: ConfigurationValue) -> String {
        switch value {
        case .integer(let number): String(number)
        case .string(let text): tomlString(text)
        case .list(let items): "[" + items.map(tomlString).joined(separator: ", ") + "]"
        }
    }

    /// A TOML basic string: quotes, backslashes and control characters escaped.
    static func tomlString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                result += String(format: "\\u%04X", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
