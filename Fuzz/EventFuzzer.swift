// libFuzzer target over the whole ingest path but the sockets: frame checks, the simdjson parser
// and validator (CEventParser), the Swift decoder, the canonical encoder and the engine.
//
// One input is up to 64 ingest messages separated by the byte 0x1E; the frames of a message are
// separated by 0x1F (so wrong frame counts and topics are reachable too). Every input is checked
// against invariants that must hold for any bytes at all; a violation traps, which libFuzzer
// reports as a crash with the input saved:
//
// - decoding never crashes (ASan/UBSan watch the C++ parser and the Swift code), and the events
//   the decoder lends (`decodeView`, applied as the daemon applies them) stay readable until the
//   next decode;
// - every accepted event re-encodes (`jsonLine`) and decodes back to an equal event;
// - every refusal is one of the contract's reasons, `invalid` details name a field;
// - `/sys/ingest` counts every message exactly once;
// - refused messages move no figure, and lent events move them as owned ones do;
// - delivering every accepted event a second time changes no `/m/` figure (redeliveries);
// - when no two different events share an id (one seen before, in any case, is a duplicate), the
//   reverse order gives the same `/m/` figures (the figures are a function of the set).
//
// Built and run by Fuzz/run.sh.
import CasePulseCore
import CasePulseWire
import Foundation

/// The vectors' clock, 2026-06-01T00:00:00Z: `at` may be at most a day after it.
private let now: Int64 = 1_780_272_000
private let maxEventBytes = 4096
private let zone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt
nonisolated(unsafe) private let decoder = EventDecoder()
nonisolated(unsafe) private let checker = EventDecoder()

private func violated(_ what: String) -> Never {
    fatalError("invariant violated: \(what)")
}

private func split(_ bytes: UnsafeBufferPointer<UInt8>, on separator: UInt8) -> [ArraySlice<UInt8>] {
    Array(bytes).split(separator: separator, omittingEmptySubsequences: false)
}

private func engine() -> Engine {
    let engine = Engine(configuration: EngineConfiguration(timeZone: zone, dayRetentionDays: 400))
    engine.advanceClock(toUnixSeconds: now)
    return engine
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let messages = split(UnsafeBufferPointer(start: data, count: size), on: 0x1E).prefix(64)
    let first = engine()
    var accepted: [CaseEvent] = []
    for message in messages {
        let frames = message.split(separator: 0x1F, omittingEmptySubsequences: false).map { Array($0) }
        let topic = frames.first ?? [], body = frames.count > 1 ? frames[1] : []
        // The first engine applies events as the daemon does, lent from the decoder's buffers.
        let lent = topic.withUnsafeBytes { topic in
            body.withUnsafeBytes { body in
                IngestMessage.decodeView(
                    topic: topic, body: body, frameCount: frames.count, maxEventBytes: maxEventBytes, now: now,
                    using: decoder)
            }
        }
        switch lent {
        case .success(let view):
            let event = CaseEvent(view)
            _ = first.applyReportingGap(view)
            switch checker.decode(event.jsonLine, now: now) {
            case .success(let again) where again == event: break
            case .success(let again): violated("round trip changed \(event) into \(again)")
            case .failure(let refusal): violated("canonical form of an accepted event refused: \(refusal)")
            }
            accepted.append(event)
        case .failure(let refusal):
            if refusal.reason == .unauthorized { violated("unauthorized without CURVE") }
            if refusal.reason == .invalid, refusal.detail.firstIndex(of: ":") == nil {
                violated("invalid detail names no field: \(refusal.detail)")
            }
            first.recordRefusal(refusal.reason)
        }
    }
    if first.ingest.received != Int64(messages.count) { violated("received is not the number of messages") }
    first.publishChanges { _ in }
    let figures = first.values(under: "/m/")
    let clean = engine()
    for event in accepted { clean.apply(event) }
    if clean.values(under: "/m/") != figures { violated("refusals moved a figure") }

    for event in accepted where first.apply(event) != .duplicate { violated("a redelivery was not a duplicate") }
    if first.values(under: "/m/") != figures { violated("a redelivery moved a figure") }

    var versions: [[UInt8]: CaseEvent] = [:]
    var conflicting = false
    for event in accepted {
        let key = Array(event.id.utf8)
        if let seen = versions[key], seen != event { conflicting = true }
        versions[key] = event
    }
    if !conflicting {
        let reversed = engine()
        for event in accepted.reversed() { reversed.apply(event) }
        if reversed.values(under: "/m/") != figures { violated("the reverse order gives other figures") }
    }
    return 0
}
