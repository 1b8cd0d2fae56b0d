import Foundation

/// A man page's roff source, split by `.SH` section and `.SS` subsection (`SECTION/subsection`),
/// with the long options each one's `.TP` item tags name.
struct ManPage {
    let text: String
    /// Every section and subsection, in order.
    private(set) var sections: [String] = []
    private var lines: [String: [String]] = [:]
    private var tags: [String: [String]] = [:]

    init(contentsOf url: URL) throws {
        text = try String(contentsOf: url, encoding: .utf8)
        var section = "", current = ""
        var tagNext = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix(".SH ") {
                section = Self.title(line)
                current = section
                sections.append(current)
            } else if line.hasPrefix(".SS ") {
                current = section + "/" + Self.title(line)
                sections.append(current)
            } else if tagNext {
                tags[current, default: []].append(line)
            }
            tagNext = line == ".TP"
            lines[current, default: []].append(line)
        }
    }

    private static func title(_ line: String) -> String {
        line.dropFirst(4).trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
    }

    /// The roff source of a section or subsection.
    func text(of section: String) -> String {
        (lines[section] ?? []).joined(separator: "\n")
    }

    /// The long options (without dashes) the `.TP` tags of `section` name.
    func options(in section: String) -> Set<String> {
        var options = Set<String>()
        for tag in tags[section] ?? [] {
            // In roff a dash is `\-`: `.BI \-\-ingest\-connect " endpoint"`.
            let plain = tag.replacingOccurrences(of: "\\-", with: "-")
            for piece in plain.components(separatedBy: "--").dropFirst() {
                let name = piece.prefix { $0.isLetter || $0.isNumber || $0 == "-" }
                if !name.isEmpty { options.insert(String(name)) }
            }
        }
        return options
    }
}
