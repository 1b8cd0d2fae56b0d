import CasePulseCore

/// Frame-level checks of an ingest message, then event decoding.
///
/// A message is two frames: frame 0 is the ASCII topic `case.v1`, frame 1 one UTF-8 JSON event
/// object. The checks run in this order: frame count (`.malformed`), topic (`.unsupported`), size
/// of frame 1 (`.tooLarge`), then ``EventDecoder`` (`.malformed` / `.invalid`).
public enum IngestMessage {
    /// The only topic accepted in frame 0.
    public static let topic = "case.v1"

    /// Default largest frame 1 accepted, in bytes; a longer frame is refused with `.tooLarge`.
    public static let defaultMaxEventBytes = 65_536

    private static let topicBytes: [UInt8] = Array(topic.utf8)

    /// The frame-level verdict alone, without decoding frame 1: `nil` when the message may be
    /// decoded.
    ///
    /// - Parameters:
    ///   - frameCount: number of frames in the multipart message.
    ///   - topic: frame 0 (ignored unless `frameCount == 2`).
    ///   - bodyCount: size of frame 1 in bytes.
    ///   - maxEventBytes: largest frame 1 accepted.
    public static func frameRefusal(
        frameCount: Int, topic: UnsafeRawBufferPointer, bodyCount: Int,
        maxEventBytes: Int = defaultMaxEventBytes
    ) -> Refusal? {
        guard frameCount == 2 else {
            return Refusal(.malformed, "expected 2 frames, got \(frameCount)")
        }
        guard topic.elementsEqual(topicBytes) else {
            return Refusal(.unsupported, "topic is not \(Self.topic)")
        }
        guard bodyCount <= maxEventBytes else {
            return Refusal(.tooLarge, "event is \(bodyCount) bytes, more than \(maxEventBytes)")
        }
        return nil
    }

    /// Checks and decodes a message whose frames are borrowed buffers (e.g. `zmq_msg_t` data),
    /// without copying them into Swift arrays.
    ///
    /// - Parameters:
    ///   - topic: frame 0; pass an empty buffer when there is none.
    ///   - body: frame 1; pass an empty buffer when there is none.
    ///   - frameCount: number of frames received in the multipart message.
    ///   - maxEventBytes: largest frame 1 accepted.
    ///   - now: the current time in Unix seconds (bounds `at`).
    ///   - decoder: the decoder to use; its ``EventDecoder/lastEventID`` then tells the event's id,
    ///     also for a refused message.
    public static func decode(
        topic: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer, frameCount: Int,
        maxEventBytes: Int = defaultMaxEventBytes, now: Int64, using decoder: EventDecoder
    ) -> Result<CaseEvent, Refusal> {
        decodeView(
            topic: topic, body: body, frameCount: frameCount, maxEventBytes: maxEventBytes, now: now, using: decoder
        ).map(CaseEvent.init)
    }

    /// Checks and decodes a message whose frames are borrowed buffers, and lends the event as
    /// ``EventDecoder/decodeView(_:now:)`` does: its texts are valid until the decoder's next call.
    /// Parameters and checks are those of
    /// ``decode(topic:body:frameCount:maxEventBytes:now:using:)``.
    public static func decodeView(
        topic: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer, frameCount: Int,
        maxEventBytes: Int = defaultMaxEventBytes, now: Int64, using decoder: EventDecoder
    ) -> Result<CaseEventView, Refusal> {
        if let refusal = frameRefusal(
            frameCount: frameCount, topic: topic, bodyCount: body.count, maxEventBytes: maxEventBytes
        ) {
            decoder.forgetLastMessage()
            return .failure(refusal)
        }
        return decoder.decodeView(body, now: now)
    }

    /// Checks and decodes a message given as its frames' bytes.
    ///
    /// - Parameters:
    ///   - frames: every frame of the multipart message, in order.
    ///   - maxEventBytes: largest frame 1 accepted.
    ///   - now: the current time in Unix seconds (bounds `at`).
    ///   - decoder: the decoder to use.
    public static func decode(
        frames: [[UInt8]], maxEventBytes: Int = defaultMaxEventBytes, now: Int64,
        using decoder: EventDecoder
    ) -> Result<CaseEvent, Refusal> {
        let topic = frames.first ?? []
        let body = frames.count > 1 ? frames[1] : []
        return topic.withUnsafeBytes { topicBytes in
            body.withUnsafeBytes { bodyBytes in
                decode(
                    topic: topicBytes, body: bodyBytes, frameCount: frames.count,
                    maxEventBytes: maxEventBytes, now: now, using: decoder
                )
            }
        }
    }
}
