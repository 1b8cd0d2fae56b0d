/// Loss detection for one producer's `seq` numbers: the figures behind `/sys/producers/{producer}`.
///
/// Numbers never received are kept as sorted, disjoint ranges, so a jump of a billion costs one
/// range, and a late arrival that fills a hole splits or shrinks one.
public struct ProducerSequence: Sendable, Equatable {
    /// Events received from the producer (accepted and duplicates).
    public private(set) var events: Int64 = 0
    /// Highest sequence number received; 0 before the first.
    public private(set) var lastSeq: UInt64 = 0
    /// How many times a gap opened (a number arrived more than one above `lastSeq`).
    public private(set) var gaps: Int64 = 0
    /// Sequence numbers below `lastSeq` never received.
    public private(set) var missing: UInt64 = 0
    /// The missing numbers.
    public private(set) var holes: [ClosedRange<UInt64>] = []

    /// Nothing received yet.
    public init() {}

    /// Restores a producer's figures as stored.
    public init(events: Int64, lastSeq: UInt64, gaps: Int64, holes: [ClosedRange<UInt64>]) {
        self.events = events
        self.lastSeq = lastSeq
        self.gaps = gaps
        self.holes = holes
        self.missing = holes.reduce(0) { $0 + ($1.upperBound - $1.lowerBound + 1) }
    }

    /// Records an event; returns the newly opened gap when this number skipped some.
    @discardableResult
    public mutating func record(seq: UInt64?) -> ClosedRange<UInt64>? {
        events += 1
        guard let seq else { return nil }
        if seq > lastSeq {
            var opened: ClosedRange<UInt64>?
            if seq > lastSeq + 1 {
                let hole = (lastSeq + 1)...(seq - 1)
                holes.append(hole)
                missing += seq - 1 - lastSeq
                gaps += 1
                opened = hole
            }
            lastSeq = seq
            return opened
        }
        fill(seq)
        return nil
    }

    private mutating func fill(_ seq: UInt64) {
        // Binary search for the last hole starting at or below seq.
        var low = 0
        var high = holes.count
        while low < high {
            let mid = (low + high) / 2
            if holes[mid].lowerBound <= seq { low = mid + 1 } else { high = mid }
        }
        let index = low - 1
        guard index >= 0, holes[index].contains(seq) else { return }
        let hole = holes[index]
        missing -= 1
        if hole.lowerBound == hole.upperBound {
            holes.remove(at: index)
        } else if seq == hole.lowerBound {
            holes[index] = (seq + 1)...hole.upperBound
        } else if seq == hole.upperBound {
            holes[index] = hole.lowerBound...(seq - 1)
        } else {
            holes[index] = hole.lowerBound...(seq - 1)
            holes.insert((seq + 1)...hole.upperBound, at: index + 1)
        }
    }

    /// The JSON value of `/sys/producers/{producer}`.
    public var json: String {
        "{\"events\":\(events),\"last_seq\":\(lastSeq),\"gaps\":\(gaps),\"missing\":\(missing)}"
    }
}
