import CasePulseCore
import CasePulseWire
import Foundation
import Testing

/// One entry of `Protocols/vectors/events.json`.
struct Vector: Decodable, Sendable, CustomTestStringConvertible {
    struct Event: Decodable, Sendable {
        var id: String
        var producer: String
        var seq: UInt64?
        var type: String
        var caseID: String
        var atNs: Int64
        var region: String
        var agency: String
        var channel: String?
        var subject: String?
        var decision: String?
        var reason: String?
        var listItem: String?
        var fineFen: Int64
        var waivedFen: Int64

        enum CodingKeys: String, CodingKey {
            case id, producer, seq, type, caseID = "case", atNs = "at_ns", region, agency, channel
            case subject, decision, reason, listItem = "list_item", fineFen = "fine_fen"
            case waivedFen = "waived_fen"
        }
    }

    var name: String
    var frames: [String]?
    var framesHex: [String]?
    var expect: String
    var reason: String?
    var field: String?
    var event: Event?

    enum CodingKeys: String, CodingKey {
        case name, frames, framesHex = "frames_hex", expect, reason, field, event
    }

    var testDescription: String { name }

    var frameBytes: [[UInt8]]? {
        if let frames { return frames.map { Array($0.utf8) } }
        guard let framesHex else { return nil }
        var frames: [[UInt8]] = []
        for hex in framesHex {
            guard let bytes = Self.bytes(hex: hex) else { return nil }
            frames.append(bytes)
        }
        return frames
    }

    private static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[i...i + 1], as: UTF8.self), radix: 16)
            else { return nil }
            out.append(byte)
        }
        return out
    }
}

struct VectorFile: Decodable {
    var now: String
    var vectors: [Vector]
}

enum Vectors {
    static let url = packageRoot.appendingPathComponent("Protocols/vectors/events.json")

    static func load() throws -> VectorFile {
        try JSONDecoder().decode(VectorFile.self, from: Data(contentsOf: url))
    }

    /// Every vector, or none when the file cannot be read (``vectorFileLoads`` then fails).
    static let all: [Vector] = (try? load().vectors) ?? []
}

@Test func vectorFileLoads() throws {
    let file = try Vectors.load()
    #expect(file.vectors.count >= 60)
    #expect(RFC3339.nanoseconds(from: file.now) == vectorNow * 1_000_000_000)
    #expect(Set(file.vectors.map(\.name)).count == file.vectors.count, "vector names are unique")
    for reason in ["malformed", "unsupported", "invalid", "too_large"] {
        #expect(file.vectors.contains { $0.reason == reason }, "a vector refused as \(reason)")
    }
}

@Test(arguments: Vectors.all)
func vector(_ vector: Vector) throws {
    let frames = try #require(vector.frameBytes, "vector has frames or frames_hex")
    let decoder = EventDecoder()
    let result = IngestMessage.decode(frames: frames, now: vectorNow, using: decoder)
    switch vector.expect {
    case "accepted":
        let wanted = try #require(vector.event)
        let expected = try #require(makeEvent(wanted))
        let event = try result.get()
        #expect(event == expected)
        // String == is canonical equivalence: compare the exact bytes too.
        #expect(event.jsonLine == expected.jsonLine)
        #expect(decoder.lastEventID == wanted.id)
    case "refused":
        guard case .failure(let refusal) = result else {
            Issue.record("accepted, expected \(vector.reason ?? "?"): \(result)")
            return
        }
        #expect(refusal.reason.rawValue == vector.reason, "\(refusal)")
        if vector.reason == "invalid" {
            let field = try #require(vector.field)
            #expect(refusal.detail.hasPrefix(field + ": "), "\(refusal)")
        } else {
            #expect(vector.field == nil)
        }
        #expect(!refusal.detail.isEmpty)
    default:
        Issue.record("unknown expect \(vector.expect)")
    }
}

private func makeEvent(_ e: Vector.Event) -> CaseEvent? {
    guard let type = EventType(wireName: e.type), let region = RegionCode(e.region) else { return nil }
    var channel: Channel?
    var decision: Decision?
    var reason: Reason?
    if let name = e.channel {
        guard let value = Channel(wireName: name) else { return nil }
        channel = value
    }
    if let name = e.decision {
        guard let value = Decision(wireName: name) else { return nil }
        decision = value
    }
    if let name = e.reason {
        guard let value = Reason(wireName: name) else { return nil }
        reason = value
    }
    return CaseEvent(
        id: e.id, producer: e.producer, seq: e.seq, type: type, caseID: e.caseID, at: e.atNs,
        region: region, agency: e.agency, channel: channel, subject: e.subject, decision: decision,
        reason: reason, listItem: e.listItem, fineFen: e.fineFen, waivedFen: e.waivedFen
    )
}
