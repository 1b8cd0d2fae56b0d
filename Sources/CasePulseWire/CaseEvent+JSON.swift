import CasePulseCore

extension CaseEvent {
    /// The event's canonical wire form: one line of compact JSON with the fields in the order
    /// `id, producer, seq, type, case, at, region, agency, channel, subject, decision, reason,
    /// list_item, fine_fen, waived_fen`, absent optionals and zero amounts left out, `at` in UTC
    /// (see ``RFC3339/format(nanoseconds:)``), strings escaped with `\"`, `\\` and `\u00XX` for
    /// control characters. ``EventDecoder`` decodes it back to an equal event.
    public var jsonLine: String {
        var out = ""
        out.reserveCapacity(256)
        out.append("{\"id\":")
        Self.appendJSONString(id, to: &out)
        out.append(",\"producer\":")
        Self.appendJSONString(producer, to: &out)
        if let seq {
            out.append(",\"seq\":")
            out.append(String(seq))
        }
        out.append(",\"type\":\"")
        out.append(type.wireName)
        out.append("\",\"case\":")
        Self.appendJSONString(caseID, to: &out)
        out.append(",\"at\":\"")
        out.append(RFC3339.format(nanoseconds: at))
        out.append("\",\"region\":\"")
        out.append(region.description)
        out.append("\",\"agency\":")
        Self.appendJSONString(agency, to: &out)
        if let channel {
            out.append(",\"channel\":\"")
            out.append(channel.wireName)
            out.append("\"")
        }
        if let subject {
            out.append(",\"subject\":")
            Self.appendJSONString(subject, to: &out)
        }
        if let decision {
            out.append(",\"decision\":\"")
            out.append(decision.wireName)
            out.append("\"")
        }
        if let reason {
            out.append(",\"reason\":\"")
            out.append(reason.wireName)
            out.append("\"")
        }
        if let listItem {
            out.append(",\"list_item\":")
            Self.appendJSONString(listItem, to: &out)
        }
        if fineFen != 0 {
            out.append(",\"fine_fen\":")
            out.append(String(fineFen))
        }
        if waivedFen != 0 {
            out.append(",\"waived_fen\":")
            out.append(String(waivedFen))
        }
        out.append("}")
        return out
    }

    /// Appends `text` as a JSON string literal (see ``JSONString/quoted(_:)``).
    static func appendJSONString(_ text: String, to out: inout String) {
        out.append(JSONString.quoted(text))
    }
}
