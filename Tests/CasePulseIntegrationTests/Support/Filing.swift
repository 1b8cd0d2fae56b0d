/// A filing as a backend sends it, for tests that need events rather than their variety: online,
/// `scjg`, 2022-10-05 09:30 in Beijing, its case `case-{id}`.
enum Filing {
    /// The event `id` of `producer`, numbered `seq` when given, at `region` (a village of
    /// Rencheng by default; a code of five digits makes the event `invalid`), with its id for a
    /// reliable send's report.
    static func event(_ id: String, producer: String, seq: Int? = nil, region: String = "370812101") -> (id: String, json: String) {
        let number = seq.map { #""seq":\#($0),"# } ?? ""
        return (id, #"{"id":"\#(id)","producer":"\#(producer)",\#(number)"type":"filed","case":"case-\#(id)","at":"2022-10-05T09:30:00+08:00","region":"\#(region)","agency":"scjg","channel":"online"}"#)
    }

    /// The event `id` of `producer` voiding the case of ``event(_:producer:seq:region:)`` `filing`
    /// (`case-{filing}`), an hour after its filing, at `region`.
    static func void(_ id: String, ofFiling filing: String, producer: String, region: String = "370812101") -> (id: String, json: String) {
        (id, #"{"id":"\#(id)","producer":"\#(producer)","type":"voided","case":"case-\#(filing)","at":"2022-10-05T10:30:00+08:00","region":"\#(region)","agency":"scjg"}"#)
    }
}
