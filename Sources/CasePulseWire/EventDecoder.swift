internal import CEventParser
import CasePulseCore

/// Decodes and validates `case.v1` event objects (the JSON of frame 1 of an ingest message).
///
/// One decoder owns one simdjson on-demand parser and its buffers and reuses them for every call,
/// so decoding allocates only the resulting event's one buffer of texts, and lending an event
/// (``decodeView(_:now:)``) nothing at all. A decoder is not thread safe
/// and not `Sendable`: keep one per thread or actor.
///
/// ```swift
/// let decoder = EventDecoder()
/// switch decoder.decode(#"{"id":"e1", ...}"#, now: nowSeconds) {
/// case .success(let event): ...
/// case .failure(let refusal): ...  // refusal.reason is .malformed, .invalid or .tooLarge
/// }
/// ```
public final class EventDecoder {
    private let parser: OpaquePointer
    // Not checked for exclusive access at run time: a decoder is used from one thread, one call
    // at a time, and the check cost a call and a thread-local look-up per field read.
    @exclusivity(unchecked) private var raw = cp_event()
    @exclusivity(unchecked) private var hasRaw = false

    /// Creates a decoder with its own parser.
    public init() {
        guard let parser = cp_parser_new() else {
            fatalError("EventDecoder: cannot allocate the JSON parser")
        }
        self.parser = parser
    }

    deinit {
        cp_parser_free(parser)
    }

    /// Decodes and validates one event object.
    ///
    /// - Parameters:
    ///   - json: the UTF-8 JSON text; it is copied into the decoder's padded buffer, so it may be
    ///     borrowed storage such as a ZeroMQ frame.
    ///   - now: the current time in Unix seconds; `at` may be at most one day after it.
    /// - Returns: the event, or a refusal whose reason is `.malformed`, `.invalid` (the detail
    ///   starts with the field's name) or `.tooLarge` (the parser could not allocate room).
    public func decode(_ json: UnsafeRawBufferPointer, now: Int64) -> Result<CaseEvent, Refusal> {
        decodeView(json, now: now).map(CaseEvent.init)
    }

    /// Decodes and validates one event object, and lends it: the event's texts are the parser's
    /// own buffers, valid until the next call on this decoder. Nothing is allocated; apply the
    /// event (``Engine/applyReportingGap(_:)-(CaseEventView)``), or copy it into a ``CaseEvent``,
    /// before decoding the next.
    ///
    /// Parameters, refusals and checks are those of ``decode(_:now:)-(UnsafeRawBufferPointer,_)``.
    public func decodeView(_ json: UnsafeRawBufferPointer, now: Int64) -> Result<CaseEventView, Refusal> {
        hasRaw = true
        let status = cp_parse_event(parser, json.baseAddress, json.count, now, &raw)
        switch status {
        case CP_OK:
            return makeView()
        case CP_INVALID:
            return .failure(Refusal(.invalid, Self.string(raw.error_detail)))
        case CP_TOO_LARGE:
            return .failure(Refusal(.tooLarge, Self.string(raw.error_detail)))
        default:
            return .failure(Refusal(.malformed, Self.string(raw.error_detail)))
        }
    }

    /// Decodes and validates one event object given as UTF-8 bytes.
    public func decode(_ json: [UInt8], now: Int64) -> Result<CaseEvent, Refusal> {
        json.withUnsafeBytes { decode($0, now: now) }
    }

    /// Decodes and validates one event object given as text.
    public func decode(_ json: String, now: Int64) -> Result<CaseEvent, Refusal> {
        var text = json
        return text.withUTF8 { decode(UnsafeRawBufferPointer($0), now: now) }
    }

    /// The `id` of the message most recently decoded,
    /// when one could be read, also for a refused message (for `["NACK", id, reason, detail]`);
    /// `nil` when the message had no valid `id`, or after a frame-level refusal by ``IngestMessage``.
    public var lastEventID: String? {
        guard hasRaw, raw.id.len > 0 else { return nil }
        return Self.string(raw.id)
    }

    /// Forgets the previous message (its ``lastEventID``).
    func forgetLastMessage() {
        hasRaw = false
    }

    private func makeView() -> Result<CaseEventView, Refusal> {
        guard
            let type = EventType(rawValue: UInt8(truncatingIfNeeded: raw.type)),
            let region = RegionCode(value: raw.region, length: Int(raw.region_len))
        else {
            // Unreachable: the parser only returns CP_OK with both set.
            return .failure(Refusal(.invalid, "type: internal decoder error"))
        }
        // The texts are the parser's buffers: simdjson has validated the document's UTF-8, and the
        // parser each text's range.
        return .success(CaseEventView(
            id: Self.bytes(raw.id),
            producer: Self.bytes(raw.producer),
            seq: raw.seq == 0 ? nil : raw.seq,
            type: type,
            caseID: Self.bytes(raw.case_id),
            at: raw.at_ns,
            region: region,
            agency: Self.bytes(raw.agency),
            channel: raw.channel < 0 ? nil : Channel(rawValue: UInt8(truncatingIfNeeded: raw.channel)),
            subject: raw.subject.len == 0 ? nil : Self.bytes(raw.subject),
            decision: raw.decision < 0
                ? nil : Decision(rawValue: UInt8(truncatingIfNeeded: raw.decision)),
            reason: raw.reason < 0 ? nil : Reason(rawValue: UInt8(truncatingIfNeeded: raw.reason)),
            listItem: raw.list_item.len == 0 ? nil : Self.bytes(raw.list_item),
            fineFen: raw.fine_fen,
            waivedFen: raw.waived_fen
        ))
    }

    private static func bytes(_ view: cp_str) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: view.ptr, count: view.ptr == nil ? 0 : view.len)
    }

    private static func string(_ view: cp_str) -> String {
        String(decoding: bytes(view), as: UTF8.self)
    }
}

/// Not `Sendable`: a decoder's parser and buffers are mutated by every call.
@available(*, unavailable, message: "EventDecoder owns a mutable parser: use one per thread")
extension EventDecoder: Sendable {}
