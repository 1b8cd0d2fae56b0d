/// A filing as a backend sends it, for tests that need events rather than their variety: online,
/// `scjg`, 2022-10-05 09:30 in Beijing, its case `case-{id}`.
enum Filing {
    /// The event `id` of `producer` at `region` (a village of Rencheng by default), with its id
    /// for a reliable send's report.
    static func event(_ id: String, producer: String, region: String = "370812101") -> (id: String, json: String) {
        (id, #"{"id":"\#(id)","producer":"\#(producer)","type":"filed","case":"case-\#(id)","at":"2022-10-05T09:30:00+08:00","region":"\#(region)","agency":"scjg","channel":"online"}"#)
    }
}
