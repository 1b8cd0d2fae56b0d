import CasePulseCore
import Foundation

/// Event messages for the benchmark: the same ~230-byte `case.v1` JSON bodies for every
/// measurement, rendered into one reusable buffer by patching fixed-width digit fields of a
/// template, so producing a message costs a few dozen byte stores and no allocation.
///
/// Event `i` belongs to case `i / eventsPerCase`; with three events per case the types cycle
/// `filed`, `decided`, `closed`. Step `s` of case `c` has id `bench-` and the ten digits of
/// `3c + s`, so feeds of separate cases never share an id (one seen before, in any case, is a
/// duplicate), and `seq` is `i + 1`. Cases spread over the 365 days of 2022, eleven Jining counties,
/// twenty towns each and four agencies, so the set of keys stays bounded while cases grow.
public struct BenchEventFeed {
    /// How many events each case gets: 1 (`filed` only) or 3 (`filed`, `decided`, `closed`).
    public let eventsPerCase: Int
    /// Added to every case number, so that separate runs against one daemon never share a case.
    public let caseOffset: Int
    private var templates: [BenchTemplate]

    /// The calendar the feed's events are counted under when this process runs the engine itself:
    /// their own zone (+08:00), and every day kept, as the bench's daemons run (`--day-retention 0`).
    public static let engineConfiguration = EngineConfiguration(
        timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .current, dayRetentionDays: 0)

    /// The body bytes of the most recent ``render(_:)``.
    public private(set) var body: [UInt8] = []

    /// A feed whose event `i` is event `i % eventsPerCase` of case `caseOffset + i / eventsPerCase`.
    public init(eventsPerCase: Int, caseOffset: Int = 0) {
        precondition(eventsPerCase == 1 || eventsPerCase == 3, "eventsPerCase is 1 or 3")
        self.eventsPerCase = eventsPerCase
        self.caseOffset = caseOffset
        let filed = #"{"id":"bench-IIIIIIIIII","producer":"bench-feed","seq":SSSSSSSSSS,"type":"filed","case":"370812-2022-CCCCCCCC","at":"2022-MM-DDT09:30:00+08:00","region":"RRRRRRRRR","agency":"AAAA","channel":"online","subject":"91370812MACCCCCCCC"}"#
        let closed = #"{"id":"bench-IIIIIIIIII","producer":"bench-feed","seq":SSSSSSSSSS,"type":"closed","case":"370812-2022-CCCCCCCC","at":"2022-MM-DDT17:45:00+08:00","region":"RRRRRRRRR","agency":"AAAA","list_item":"shandong-2022-minor-017"}"#
        func decided(_ decision: String, _ tail: String) -> String {
            #"{"id":"bench-IIIIIIIIII","producer":"bench-feed","seq":SSSSSSSSSS,"type":"decided","case":"370812-2022-CCCCCCCC","at":"2022-MM-DDT15:10:00+08:00","region":"RRRRRRRRR","agency":"AAAA","decision":""# + decision + "\"," + tail + "}"
        }
        // Jining's 2022 mix (README): about 12% no penalty, 1% reduced, 6% lighter, 2% heavier.
        templates = [
            BenchTemplate(filed), BenchTemplate(closed),
            BenchTemplate(decided("no_penalty", #""reason":"minor","waived_fen":200000"#)),
            BenchTemplate(decided("reduced", #""fine_fen":100000,"waived_fen":150000"#)),
            BenchTemplate(decided("lighter", #""fine_fen":180000,"list_item":"sd-l-1""#)),
            BenchTemplate(decided("standard", #""fine_fen":500000,"list_item":"sd-s-2""#)),
            BenchTemplate(decided("heavier", #""fine_fen":900000,"list_item":"sd-h-3""#)),
        ]
    }

    /// The body of event `index` (0-based); valid until the next call.
    @discardableResult
    public mutating func render(_ index: Int) -> [UInt8] {
        let caseNumber = caseOffset + index / eventsPerCase
        let kind = Self.kind(index % eventsPerCase, caseNumber: caseNumber)
        templates[kind].fill(id: caseNumber * 3 + index % eventsPerCase, seq: index + 1, caseNumber: caseNumber)
        body = templates[kind].bytes
        return body
    }

    /// Calls `body` with the bytes of event `index` without copying them out of the template.
    public mutating func withBody<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let caseNumber = caseOffset + index / eventsPerCase
        let kind = Self.kind(index % eventsPerCase, caseNumber: caseNumber)
        templates[kind].fill(id: caseNumber * 3 + index % eventsPerCase, seq: index + 1, caseNumber: caseNumber)
        return try templates[kind].bytes.withUnsafeBytes(body)
    }

    /// The template of step `step` (0 filed, 1 decided, 2 closed) of case `caseNumber`.
    static func kind(_ step: Int, caseNumber: Int) -> Int {
        switch step {
        case 0: return 0
        case 2: return 1
        default:
            switch caseNumber % 100 {
            case 0..<12: return 2
            case 12: return 3
            case 13..<19: return 4
            case 19..<21: return 6
            default: return 5
            }
        }
    }

    /// The size in bytes of the largest body and the mean over the events of 100 cases.
    public var bodySizes: (largest: Int, mean: Double) {
        var sizes: [Int] = []
        for caseNumber in 0..<100 {
            for step in 0..<eventsPerCase { sizes.append(templates[Self.kind(step, caseNumber: caseNumber)].bytes.count) }
        }
        return (sizes.max() ?? 0, Double(sizes.reduce(0, +)) / Double(sizes.count))
    }
}
