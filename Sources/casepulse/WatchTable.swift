import CasePulseClient

/// Renders ``WatchCommand``'s table: a header with sequence, key count, heartbeat age and the
/// `/sys/ingest` counters, then one row per `/m/` key.
struct WatchTable {
    /// The health key shown in the header.
    static let ingestKey = "/sys/ingest"

    /// The subtree followed; keys are shown relative to it.
    let subtree: String
    /// Whether to draw with ANSI cursor control (home, clear to end of line and screen).
    let ansi: Bool

    private static let headers = ["key", "filed", "online%", "no-penalty", "reduced", "waived (yuan)", "beneficiaries", "closed%"]

    /// The whole screen for `client`'s state, fitting `rows` terminal lines (and, with ANSI,
    /// `columns` characters per line).
    func render(_ client: HashmapClient, rows: Int, columns: Int) -> String {
        let metricKeys = client.entries.keys.filter { $0.hasPrefix(subtree) && $0.hasPrefix("/m/") }
        var lines: [String] = [header(client, keyCount: metricKeys.count)]
        // Header, column titles and rule take three lines; a cut list needs one more for its note.
        let room = metricKeys.count <= rows - 3 ? metricKeys.count : max(1, rows - 4)
        let shown = metricKeys.sorted { Self.priority($0) < Self.priority($1) }.prefix(room).sorted()
        var table: [[String]] = [Self.headers]
        for key in shown {
            guard let value = client.entries[key]?.value else { continue }
            let figures = AggregateFigures(json: value)
            let name = subtree.isEmpty || key == subtree ? key : String(key.dropFirst(subtree.count))
            table.append([
                name, AggregateFigures.grouped(UInt64(max(0, figures.filed))), figures.onlineRate,
                AggregateFigures.grouped(UInt64(max(0, figures.noPenalty))),
                AggregateFigures.grouped(UInt64(max(0, figures.reduced))), figures.waivedYuan,
                AggregateFigures.grouped(UInt64(max(0, figures.beneficiaries))), figures.closureRate,
            ])
        }
        let widths = Self.headers.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        for (index, row) in table.enumerated() {
            var cells: [String] = []
            for (column, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                cells.append(column == 0 ? cell + pad : pad + cell)
            }
            lines.append(cells.joined(separator: "  "))
            if index == 0 { lines.append(String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))) }
        }
        if metricKeys.count > shown.count {
            lines.append("(\(metricKeys.count - shown.count) more keys not shown)")
        }
        if ansi {
            // Cut long lines: a wrapped line would push the table off the screen.
            return "\u{1B}[H" + lines.map { String($0.prefix(max(1, columns))) + "\u{1B}[K" }.joined(separator: "\n") + "\u{1B}[J"
        }
        return lines.joined(separator: "\n") + "\n\n"
    }

    private func header(_ client: HashmapClient, keyCount: Int) -> String {
        var text = "casepulse watch \(subtree.isEmpty ? "(everything)" : subtree)  sequence \(client.sequence)  keys \(keyCount)"
        if let heartbeat = client.lastHeartbeat {
            let age = ContinuousClock.now - heartbeat
            let tenths = age.components.seconds * 10 + age.components.attoseconds / 100_000_000_000_000_000
            text += "  heartbeat \(tenths / 10).\(tenths % 10) s ago"
        } else {
            text += "  no heartbeat yet"
        }
        if let ingest = client.entries[Self.ingestKey]?.value {
            let bytes = Array(ingest.utf8)
            let fields = ["received", "accepted", "duplicates", "rejected"].map { name in
                "\(name) \(AggregateFigures.integer(name, in: bytes).map { AggregateFigures.grouped(UInt64(max(0, $0))) } ?? "-")"
            }
            text += "  |  ingest: " + fields.joined(separator: ", ")
        }
        return text
    }

    /// Shallower keys first: the `all` window, then years, months, days; fewer region levels;
    /// `@all` before single agencies.
    private static func priority(_ key: String) -> (Int, Int, Int, String) {
        let parts = key.split(separator: "/", omittingEmptySubsequences: true)
        let window = parts.count > 1 ? parts[1] : ""
        let windowRank = window == "all" ? 0 : window.count <= 4 ? 1 : window.count <= 7 ? 2 : 3
        let agencyRank = key.hasSuffix("@all") ? 0 : 1
        return (windowRank, parts.count, agencyRank, key)
    }
}
