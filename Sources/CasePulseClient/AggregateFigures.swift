/// The integer figures of one aggregate value (`/m/…` keys) or of `/sys/ingest`, read from the
/// daemon's JSON without floating point, and formatted for display with integer arithmetic only.
public struct AggregateFigures: Sendable, Hashable {
    /// Cases filed.
    public var filed: Int64
    /// Cases filed online.
    public var filedOnline: Int64
    /// Decisions.
    public var decided: Int64
    /// No-penalty decisions.
    public var noPenalty: Int64
    /// Reduced-penalty decisions.
    public var reduced: Int64
    /// Fines imposed, in fen.
    public var fineFen: Int64
    /// Fines waived or reduced, in fen.
    public var waivedFen: Int64
    /// Distinct parties with a no-penalty or reduced decision.
    public var beneficiaries: Int64
    /// Cases closed.
    public var closed: Int64

    /// Reads the figures from an aggregate value; missing fields are 0.
    ///
    /// - Parameter json: The value of a `/m/…` key.
    public init(json: String) {
        let bytes = Array(json.utf8)
        filed = Self.integer("filed", in: bytes) ?? 0
        filedOnline = Self.integer("filed_online", in: bytes) ?? 0
        decided = Self.integer("decided", in: bytes) ?? 0
        noPenalty = Self.integer("no_penalty", in: bytes) ?? 0
        reduced = Self.integer("reduced", in: bytes) ?? 0
        fineFen = Self.integer("fine_fen", in: bytes) ?? 0
        waivedFen = Self.integer("waived_fen", in: bytes) ?? 0
        beneficiaries = Self.integer("beneficiaries", in: bytes) ?? 0
        closed = Self.integer("closed", in: bytes) ?? 0
    }

    /// `filed_online / filed` as a percentage with one decimal (`97.1`), `-` when nothing was filed.
    public var onlineRate: String { Self.percent(filedOnline, of: filed) }

    /// `closed / filed` as a percentage with one decimal, `-` when nothing was filed.
    public var closureRate: String { Self.percent(closed, of: filed) }

    /// ``waivedFen`` in yuan with two decimals and thousands separators (`12,345.67`).
    public var waivedYuan: String { Self.yuan(fen: waivedFen) }

    /// `part / whole` in percent with one decimal, truncated (integer arithmetic); `-` for `whole`
    /// 0.
    ///
    /// - Parameters:
    ///   - part: The numerator.
    ///   - whole: The denominator.
    /// - Returns: For example `97.1`.
    public static func percent(_ part: Int64, of whole: Int64) -> String {
        guard whole > 0 else { return "-" }
        let perMille = Int128(part) * 1000 / Int128(whole)
        return "\(perMille / 10).\(perMille % 10)"
    }

    /// An amount in fen as yuan with two decimals and thousands separators, by integer division.
    ///
    /// - Parameter fen: The amount in fen.
    /// - Returns: For example `1,234.50` for 123450.
    public static func yuan(fen: Int64) -> String {
        let sign = fen < 0 ? "-" : ""
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return sign + grouped(magnitude / 100) + "." + (cents < 10 ? "0" : "") + String(cents)
    }

    /// A non-negative integer with `,` every three digits.
    ///
    /// - Parameter value: The number.
    /// - Returns: For example `1,234,567`.
    public static func grouped(_ value: UInt64) -> String {
        let digits = Array(String(value))
        var out: [Character] = []
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return String(out)
    }

    /// The integer value of the first member `"name": <integer>` in JSON text, `nil` when absent or
    /// not an integer. Member names of the daemon's values are unique, nested ones included.
    ///
    /// - Parameters:
    ///   - name: The member name.
    ///   - json: The JSON text, as UTF-8.
    /// - Returns: The integer.
    public static func integer(_ name: String, in json: [UInt8]) -> Int64? {
        let needle = Array("\"\(name)\"".utf8)
        guard needle.count <= json.count else { return nil }
        var index = 0
        while index + needle.count <= json.count {
            if json[index] == needle[0], json[index..<(index + needle.count)].elementsEqual(needle) {
                var cursor = index + needle.count
                while cursor < json.count, json[cursor] == 0x20 { cursor += 1 }
                if cursor < json.count, json[cursor] == UInt8(ascii: ":") {
                    cursor += 1
                    while cursor < json.count, json[cursor] == 0x20 { cursor += 1 }
                    var negative = false
                    if cursor < json.count, json[cursor] == UInt8(ascii: "-") {
                        negative = true
                        cursor += 1
                    }
                    var value: Int64 = 0
                    var digits = 0
                    while cursor < json.count, (0x30...0x39).contains(json[cursor]) {
                        let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
                        let (sum, o2) = shifted.addingReportingOverflow(Int64(json[cursor] - 0x30))
                        if o1 || o2 { return nil }
                        value = sum
                        digits += 1
                        cursor += 1
                    }
                    return digits > 0 ? (negative ? -value : value) : nil
                }
            }
            index += 1
        }
        return nil
    }
}
