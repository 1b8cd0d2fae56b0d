import CasePulseCore
import CasePulseWire
import Testing

private let filed = #"{"id":"evt-0001","producer":"scjg-backend","type":"filed","case":"370812-2024-0001","at":"2024-03-01T09:30:00+08:00","region":"370812","agency":"scjg","channel":"online"}"#

private func refusal(_ result: Result<CaseEvent, Refusal>) -> Refusal? {
    if case .failure(let refusal) = result { return refusal }
    return nil
}

private func replacing(_ old: String, with new: String) -> String {
    filed.replacingOccurrences(of: old, with: new)
}

extension String {
    fileprivate func replacingOccurrences(of old: String, with new: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: old) {
            result += rest[..<range.lowerBound]
            result += new
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

@Test func decodesTheSampleEvent() throws {
    #expect(try EventDecoder().decode(filed, now: vectorNow).get() == sampleEvent())
}

@Test(arguments: [
    (replacing("2024-03-01T09:30:00+08:00", with: "2023-02-31T00:00:00Z"),
     Refusal(.invalid, "at: day 31 does not exist in 2023-02")),
    (replacing("2024-03-01T09:30:00+08:00", with: "2024-03-01T09:30:00"),
     Refusal(.invalid, "at: missing time zone offset (Z or +HH:MM)")),
    (replacing("2024-03-01T09:30:00+08:00", with: "1999-12-31T23:59:59Z"),
     Refusal(.invalid, "at: before 2000-01-01T00:00:00Z")),
    (replacing("2024-03-01T09:30:00+08:00", with: "2026-06-02T00:00:01Z"),
     Refusal(.invalid, "at: more than 1 day ahead of now")),
    (replacing(#""id":"evt-0001","#, with: ""), Refusal(.invalid, "id: missing")),
    (replacing(#","channel":"online""#, with: ""), Refusal(.invalid, "channel: required when type is filed")),
    (replacing(#""id":"evt-0001""#, with: #""id":null"#), Refusal(.invalid, "id: must be a string, not null")),
    (replacing(#""id":"evt-0001""#, with: #""id":"evt-0001","id":"x""#), Refusal(.invalid, "id: duplicate field")),
    (replacing(#""region":"370812""#, with: #""region":370812"#),
     Refusal(.invalid, "region: must be a string, not a number")),
    (replacing("scjg-backend", with: "scjg backend"),
     Refusal(.invalid, "producer: must match [A-Za-z0-9._-]{1,64}")),
    (replacing(#""type":"filed""#, with: #""type":"filed","seq":1.0"#),
     Refusal(.invalid, "seq: must be an integer, not a fraction or exponent")),
    ("[1]", Refusal(.malformed, "not a JSON object")),
    (filed + "}", Refusal(.malformed, "trailing content after the JSON object")),
    (filed + " {}", Refusal(.malformed, "trailing content after the JSON object")),
] as [(String, Refusal)])
func exactRefusals(_ json: String, _ expected: Refusal) {
    #expect(refusal(EventDecoder().decode(json, now: vectorNow)) == expected)
}

@Test func nowBoundsTheEventTime() {
    let decoder = EventDecoder()
    let atSeconds: Int64 = 1_709_256_600
    #expect(refusal(decoder.decode(filed, now: atSeconds - 86_400)) == nil)
    #expect(refusal(decoder.decode(filed, now: atSeconds - 86_401))?.reason == .invalid)
}

@Test func lastEventIDIsKeptForRefusals() {
    let decoder = EventDecoder()
    _ = decoder.decode(replacing(#""agency":"scjg""#, with: #""agency":"sc.jg""#), now: vectorNow)
    #expect(decoder.lastEventID == "evt-0001")
    _ = decoder.decode(replacing(#""id":"evt-0001""#, with: #""id":"""#), now: vectorNow)
    #expect(decoder.lastEventID == nil)
    _ = decoder.decode(filed, now: vectorNow)
    #expect(decoder.lastEventID == "evt-0001")
    _ = IngestMessage.decode(frames: [Array("case.v2".utf8), Array(filed.utf8)], now: vectorNow, using: decoder)
    #expect(decoder.lastEventID == nil)
}

@Test func decodesBorrowedBuffersWithoutTerminator() throws {
    // The body is followed by bytes that would make it invalid if read past its end.
    let bytes = Array((filed + #"{"garbage"#).utf8)
    let topic = Array("case.v1xyz".utf8)
    let decoder = EventDecoder()
    let result = bytes.withUnsafeBytes { all in
        topic.withUnsafeBytes { topicAll in
            IngestMessage.decode(
                topic: UnsafeRawBufferPointer(rebasing: topicAll[0..<7]),
                body: UnsafeRawBufferPointer(rebasing: all[0..<filed.utf8.count]),
                frameCount: 2, now: vectorNow, using: decoder
            )
        }
    }
    #expect(try result.get() == sampleEvent())
}

@Test func frameLevelChecksComeFirstAndInOrder() {
    let empty = UnsafeRawBufferPointer(start: nil, count: 0)
    #expect(IngestMessage.frameRefusal(frameCount: 3, topic: empty, bodyCount: 1 << 20)
        == Refusal(.malformed, "expected 2 frames, got 3"))
    #expect(IngestMessage.frameRefusal(frameCount: 1, topic: empty, bodyCount: 0)
        == Refusal(.malformed, "expected 2 frames, got 1"))
    let body = Array(filed.utf8)
    let decoder = EventDecoder()
    let topic = Array(IngestMessage.topic.utf8)
    let limit = body.count
    #expect(refusal(IngestMessage.decode(frames: [topic, body], maxEventBytes: limit, now: vectorNow, using: decoder)) == nil)
    #expect(refusal(IngestMessage.decode(frames: [topic, body], maxEventBytes: limit - 1, now: vectorNow, using: decoder))?.reason == .tooLarge)
    #expect(refusal(IngestMessage.decode(frames: [Array("case.v1\0".utf8), body], now: vectorNow, using: decoder))?.reason == .unsupported)
    #expect(IngestMessage.defaultMaxEventBytes == 65_536)
}

@Test func decoderIsReusableAcrossManyMessages() throws {
    let decoder = EventDecoder()
    var events: [CaseEvent] = []
    for i in 0..<1000 {
        let json = replacing("evt-0001", with: "evt-\(i)-" + String(repeating: "é", count: i % 100))
        if i % 3 == 0 { _ = decoder.decode("{broken", now: vectorNow) }
        events.append(try decoder.decode(json, now: vectorNow).get())
    }
    for (i, event) in events.enumerated() {
        #expect(event.id == "evt-\(i)-" + String(repeating: "é", count: i % 100))
    }
    // Large inputs grow the buffer; later small ones still decode.
    let padded = filed.dropLast() + #","pad":""# + String(repeating: "x", count: 1 << 20) + #""}"#
    #expect(try decoder.decode(String(padded), now: vectorNow).get() == sampleEvent())
    #expect(try decoder.decode(Array(filed.utf8), now: vectorNow).get() == sampleEvent())
}

@Test func deepNestingInUnknownFieldsIsBounded() {
    let decoder = EventDecoder()
    let shallow = String(filed.dropLast()) + #","x":"# + String(repeating: "[", count: 60) + String(repeating: "]", count: 60) + "}"
    #expect(refusal(decoder.decode(shallow, now: vectorNow)) == nil)
    let deep = String(filed.dropLast()) + #","x":"# + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "}"
    #expect(refusal(decoder.decode(deep, now: vectorNow))?.reason == .malformed)
}

/// A lent event's texts are the parser's buffers, there after the message's own bytes are gone
/// (escaped texts are unescaped into the parser's buffer, the others point into its copy), and
/// it is the event `decode` returns.
@Test func aLentEventOutlivesTheMessageUntilTheNextDecode() throws {
    let escaped = #"{"id":"evt-\u00e9\"1","producer":"scjg-backend","type":"decided","case":"370812-2024-\u6848","at":"2024-03-01T09:30:00+08:00","region":"370812101","agency":"scjg","decision":"no_penalty","reason":"minor","subject":"91370812MA3C5X2Y7K","list_item":"item \\ 7","fine_fen":5,"waived_fen":7}"#
    let decoder = EventDecoder()
    let owned = try decoder.decode(escaped, now: vectorNow).get()
    var message: [UInt8]? = Array(escaped.utf8)
    let view = try message!.withUnsafeBytes { try decoder.decodeView($0, now: vectorNow).get() }
    message = nil
    #expect(CaseEvent(view) == owned)
    #expect(owned.id == "evt-\u{E9}\"1")
    #expect(owned.caseID == "370812-2024-\u{6848}")
    #expect(owned.listItem == #"item \ 7"#)
    #expect(String(decoding: view.subject ?? UnsafeRawBufferPointer(start: nil, count: 0), as: UTF8.self) == "91370812MA3C5X2Y7K")
    #expect(view.fineFen == 5 && view.waivedFen == 7 && view.decision == .noPenalty && view.reason == .minor)
    #expect(view.channel == nil && view.seq == nil)
}

/// Texts without a backslash are lent from the input between their quotes, keys included; the
/// same event spelled with whitespace around every token, escaped keys and escaped values must
/// decode to exactly the plain one.
@Test(arguments: [
    #"{ "id" : "evt-0001" , "producer" :"scjg-backend"\#t,"type":"filed"\#r\#n ,"case":"370812-2024-0001"  ,"at":"2024-03-01T09:30:00+08:00","region":"370812","agency":"scjg","channel":"online" }"#,
    #"{"\u0069d":"evt-0001","produc\u0065r":"scjg-backend","type":"filed","case":"370812-2024-0001","at":"2024-03-01T09:30:00+08:00","region":"370812","agency":"scjg","\u0063hannel":"online"}"#,
    #"{"id":"evt-00\u00301","producer":"scjg\u002dbackend","type":"fil\u0065d","case":"370812-2024-0001","at":"2024-03-01T09:30:00+08:00","region":"37081\u0032","agency":"scjg","channel":"online"}"#,
    #"{"id":"evt-0001","producer":"scjg-backend","type":"filed","case":"370812-2024-0001","at":"2024-03-01T09:30:00+08:00","region":"370812","agency":"scjg","channel":"online","note":"a \"quoted\" \\ text","nested":{"id":"other","list":["x",1,{"y":null}]}}"#,
] as [String])
func spellingsOfTheSampleEventDecodeAlike(_ json: String) throws {
    #expect(try EventDecoder().decode(json, now: vectorNow).get() == sampleEvent())
}

/// A string ending in an escaped quote or backslash is unescaped, not cut at the first quote.
@Test func textsEndingInEscapesAreUnescaped() throws {
    let json = filed.replacingOccurrences(of: #""evt-0001""#, with: #""evt-0001\"""#)
        .replacingOccurrences(of: #""370812-2024-0001""#, with: #""370812-2024-0001\\""#)
    let event = try EventDecoder().decode(json, now: vectorNow).get()
    #expect(event.id == "evt-0001\"")
    #expect(event.caseID == "370812-2024-0001\\")
}
