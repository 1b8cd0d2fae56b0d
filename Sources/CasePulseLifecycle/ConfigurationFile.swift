import Foundation
import TOMLKit

/// The configuration file: TOML, every key at the top level, spelt as its flag without the dashes
/// (`publish-interval = 100`). Lists are TOML arrays of strings (a single string is taken as a list
/// of one).
public enum ConfigurationFile {
    /// Where the daemon looks when neither `--config` nor `CASEPULSE_CONFIG` names a file:
    /// `$CONFIGURATION_DIRECTORY/casepulsed.toml` under systemd's `ConfigurationDirectory=`, else
    /// `/etc/casepulse/casepulsed.toml`.
    public static func defaultPath(environment: [String: String]) -> String {
        if let directory = environment["CONFIGURATION_DIRECTORY"]?.split(separator: ":").first, !directory.isEmpty {
            return "\(directory)/casepulsed.toml"
        }
        return "/etc/casepulse/casepulsed.toml"
    }

    /// Reads and checks the file at `path`. A missing file is an empty layer unless `required`
    /// (named by `--config` or `CASEPULSE_CONFIG`).
    public static func load(path: String, required: Bool) throws(ConfigurationError) -> ConfigurationLayer {
        guard FileManager.default.fileExists(atPath: path) else {
            if required {
                throw ConfigurationError(origin: nil, key: nil, problem: "configuration file \(path) does not exist")
            }
            return ConfigurationLayer()
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? "\(error)"
            throw ConfigurationError(origin: nil, key: nil, problem: "cannot read configuration file \(path): \(reason)")
        }
        return try parse(text, path: path)
    }

    /// Checks `text` as the contents of the file at `path`.
    public static func parse(_ text: String, path: String) throws(ConfigurationError) -> ConfigurationLayer {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let line = error.source.begin.line
            throw ConfigurationError(
                origin: .file(path: path, line: line), key: keyWritten(onLine: line, of: lines),
                problem: "not valid TOML: \(error.description) (column \(error.source.begin.column))")
        } catch {
            throw ConfigurationError(origin: .file(path: path, line: 1), key: nil, problem: "not valid TOML: \(error)")
        }
        var layer = ConfigurationLayer()
        for name in table.keys.sorted(by: { line(ofKey: $0, in: lines) < line(ofKey: $1, in: lines) }) {
            let origin = ConfigurationOrigin.file(path: path, line: line(ofKey: name, in: lines))
            guard let key = ConfigurationKey(rawValue: name) else {
                let known = ConfigurationKey.allCases.map(\.rawValue).joined(separator: ", ")
                let problem = table[name]?.table != nil
                    ? "tables are not used: every key is at the top level (\(known))"
                    : "unknown key; the keys are \(known)"
                throw ConfigurationError(origin: origin, key: name, problem: problem)
            }
            guard let value = table[name] else { continue }
            layer.values[key] = (try convert(value, for: key, origin: origin), origin)
        }
        return layer
    }

    /// The TOML value as the key's kind, or an error naming what was found.
    private static func convert(
        _ value: any TOMLValueConvertible, for key: ConfigurationKey, origin: ConfigurationOrigin
    ) throws(ConfigurationError) -> ConfigurationValue {
        func refuse(_ expected: String) -> ConfigurationError {
            ConfigurationError(origin: origin, key: key.rawValue, problem: "must be \(expected), not a TOML \(value.type)")
        }
        switch key.kind {
        case .string:
            guard let string = value.string else { throw refuse("a string") }
            return .string(string)
        case .integer:
            guard let number = value.int else { throw refuse("a whole number") }
            return .integer(number)
        case .list:
            if let string = value.string { return .list([string]) }
            guard let array = value.array else { throw refuse("an array of strings") }
            var items: [String] = []
            for element in array {
                guard let string = element.string else { throw refuse("an array of strings") }
                items.append(string)
            }
            return .list(items)
        }
    }

    /// The 1-based line where `key` is assigned at the top level (bare, quoted or dotted), or 1.
    static func line(ofKey key: String, in lines: [String]) -> Int {
        for (index, line) in lines.enumerated() where keyWritten(in: line) == key {
            return index + 1
        }
        return 1
    }

    /// The key assigned on a line (`key = …`, `"key" = …`, `key.sub = …`) or named by a table
    /// header (`[key]`), if any.
    static func keyWritten(in line: String) -> String? {
        var text = Substring(line).drop(while: { $0 == " " || $0 == "\t" })
        if text.hasPrefix("[") {
            text = text.drop(while: { $0 == "[" || $0 == " " })
        }
        guard let first = text.first, first != "#" else { return nil }
        if first == "\"" || first == "'" {
            let body = text.dropFirst()
            guard let end = body.firstIndex(of: first) else { return nil }
            return String(body[..<end])
        }
        let name = text.prefix(while: { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        return name.isEmpty ? nil : String(name)
    }

    /// The key written on the 1-based line `number`, for syntax errors.
    static func keyWritten(onLine number: Int, of lines: [String]) -> String? {
        guard number >= 1, number <= lines.count else { return nil }
        return keyWritten(in: lines[number - 1])
    }
}
