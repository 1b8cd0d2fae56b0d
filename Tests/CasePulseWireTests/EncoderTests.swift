import CasePulseCore
import CasePulseWire
import Foundation
import Testing

private let scalarPool: [Unicode.Scalar] = {
    var pool: [Unicode.Scalar] = []
    for value in 0x20...0x7E { pool.append(Unicode.Scalar(UInt8(value))) }
    for value in 0x00...0x1F { pool.append(Unicode.Scalar(UInt8(value))) }
    pool += ["\"", "\\", "/", "\u{7F}", "é", "ß", "案", "罚", "〔", "\u{2028}", "\u{FEFF}", "😀",
             "\u{10FFFF}", "\u{0301}"]
    return pool
}()

private func randomText(_ rng: inout SplitMix64, max: Int) -> String {
    let length: Int
    switch Int.random(in: 0..<10, using: &rng) {
    case 0: length = 1
    case 1: length = max
    default: length = Int.random(in: 1...max, using: &rng)
    }
    var scalars = String.UnicodeScalarView()
    for _ in 0..<length {
        scalars.append(scalarPool.randomElement(using: &rng) ?? "a")
    }
    return String(scalars)
}

private func randomToken(_ rng: inout SplitMix64, alphabet: String, max: Int) -> String {
    let characters = Array(alphabet)
    let length = Bool.random(using: &rng) ? Int.random(in: 1...8, using: &rng) : Int.random(in: 1...max, using: &rng)
    return String((0..<length).map { _ in characters.randomElement(using: &rng) ?? "a" })
}

private func randomAmount(_ rng: inout SplitMix64) -> Int64 {
    switch Int.random(in: 0..<4, using: &rng) {
    case 0: 0
    case 1: 1_000_000_000_000
    default: Int64.random(in: 0...1_000_000_000_000, using: &rng)
    }
}

private func randomEvent(_ rng: inout SplitMix64) -> CaseEvent {
    let letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    let type = EventType.allCases.randomElement(using: &rng) ?? .filed
    let length = [6, 9, 12].randomElement(using: &rng) ?? 6
    var limit: UInt64 = 1
    for _ in 0..<length { limit *= 10 }
    let region = RegionCode(value: UInt64.random(in: 0..<limit, using: &rng), length: length)
    let lowest: Int64 = 946_684_800_000_000_000
    let highest = (vectorNow + 86_400) * 1_000_000_000
    var at = Int64.random(in: lowest...highest, using: &rng)
    switch Int.random(in: 0..<4, using: &rng) {
    case 0: at -= at % 1_000_000_000  // whole seconds
    case 1: at -= at % 1_000_000  // milliseconds
    default: break
    }
    return CaseEvent(
        id: randomText(&rng, max: 128),
        producer: randomToken(&rng, alphabet: letters + ".", max: 64),
        seq: Bool.random(using: &rng) ? UInt64.random(in: 1...UInt64(Int64.max), using: &rng) : nil,
        type: type,
        caseID: randomText(&rng, max: 128),
        at: at,
        region: region ?? sampleEvent().region,
        agency: randomToken(&rng, alphabet: letters, max: 32),
        channel: type == .filed ? Channel.allCases.randomElement(using: &rng) : nil,
        subject: Bool.random(using: &rng) ? randomText(&rng, max: 64) : nil,
        decision: type == .decided ? Decision.allCases.randomElement(using: &rng) : nil,
        reason: Bool.random(using: &rng) ? Reason.allCases.randomElement(using: &rng) : nil,
        listItem: Bool.random(using: &rng) ? randomText(&rng, max: 64) : nil,
        fineFen: randomAmount(&rng),
        waivedFen: randomAmount(&rng)
    )
}

@Test func randomEventsRoundTrip() throws {
    var rng = SplitMix64(seed: 0x00C0_FFEE)
    let decoder = EventDecoder()
    for _ in 0..<500 {
        let event = randomEvent(&rng)
        let line = event.jsonLine
        #expect(!line.contains("\n"))
        let decoded = try decoder.decode(line, now: vectorNow).get()
        #expect(decoded == event, "\(line)")
        #expect(decoded.jsonLine == line)
        // Another JSON parser reads it as an object with the same fields.
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(object?["type"] as? String == event.type.wireName)
        #expect(object?["region"] as? String == event.region.description)
    }
}

@Test func canonicalFormOfAFullEvent() throws {
    let event = CaseEvent(
        id: "e\"1\\\u{1}\n", producer: "p.1", seq: 7, type: .decided, caseID: "案",
        at: 1_709_179_200_500_000_000, region: try #require(RegionCode("000000012")),
        agency: "scjg", channel: .online, subject: "S/é", decision: .noPenalty,
        reason: .firstOffense, listItem: "A-3", fineFen: 100, waivedFen: 1_000_000_000_000
    )
    #expect(event.jsonLine == #"{"id":"e\"1\\\u0001\u000a","producer":"p.1","seq":7,"type":"decided","case":"案","at":"2024-02-29T04:00:00.5Z","region":"000000012","agency":"scjg","channel":"online","subject":"S/é","decision":"no_penalty","reason":"first_offense","list_item":"A-3","fine_fen":100,"waived_fen":1000000000000}"#)
}

@Test func canonicalFormOmitsAbsentFieldsAndZeroAmounts() {
    #expect(sampleEvent().jsonLine == #"{"id":"evt-0001","producer":"scjg-backend","type":"filed","case":"370812-2024-0001","at":"2024-03-01T01:30:00Z","region":"370812","agency":"scjg","channel":"online"}"#)
}

@Test func controlCharactersAreEscapedAsUnicode() throws {
    var event = sampleEvent()
    event.id = String(String.UnicodeScalarView((0..<32).map { Unicode.Scalar(UInt8($0)) }))
    let line = event.jsonLine
    #expect(line.hasPrefix(#"{"id":"\u0000\u0001"#))
    #expect(line.contains(#"\u001e\u001f","#))
    #expect(!line.utf8.contains { $0 < 0x20 })
    #expect(try EventDecoder().decode(line, now: vectorNow).get() == event)
}
