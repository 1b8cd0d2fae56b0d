import PropertyBased
import Testing

@testable import CasePulseCore

/// Figures packed for a publish batch read back exactly, whatever their values, and nothing else
/// reads as figures.
@Suite struct KeyFiguresPackingTests {
    static func figures(_ values: [Int64], fine: Int128, waived: Int128) -> KeyFigures {
        KeyFigures(
            filed: values[0], filedOnline: values[1], decided: values[2],
            byDecision: (values[3], values[4], values[5], values[6], values[7]),
            byReason: (values[8], values[9], values[10]), fineFen: fine, waivedFen: waived,
            beneficiaries: values[11], closed: values[12])
    }

    static func roundTrip(_ figures: KeyFigures) -> (KeyFigures?, Int) {
        var bytes: [UInt8] = []
        figures.pack(into: &bytes)
        return (bytes.withUnsafeBytes { KeyFigures(packed: $0) }, bytes.count)
    }

    @Test func anyFiguresReadBack() async {
        let edges: [Int64] = [0, 1, -1, 63, 64, 127, 128, 300, .max, .min]
        await propertyCheck(count: 500, input: Gen.uint64()) { seed in
            var random = SplitMix64(seed: seed)
            let values = (0..<13).map { _ in
                random.below(2) == 0 ? edges[random.int(0..<edges.count)] : Int64(bitPattern: random.next()) >> random.int(0..<64)
            }
            let big = Int128(Int64(bitPattern: random.next())) << random.int(0..<63)
            let figures = Self.figures(values, fine: big, waived: random.below(2) == 0 ? -big : .max)
            #expect(Self.roundTrip(figures).0 == figures, "seed \(seed)")
        }
    }

    /// A key's typical figures take a few bytes, not the value's 144.
    @Test func smallCountsTakeAByteEach() {
        let figures = Self.figures([12, 5, 9, 7, 1, 1, 0, 0, 1, 0, 0, 3, 8], fine: 120_000, waived: 30_000)
        let (read, size) = Self.roundTrip(figures)
        #expect(read == figures)
        #expect(size == 13 + 3 + 3)
        #expect(MemoryLayout<KeyFigures>.size == 144)
    }

    @Test func truncatedOrLongerBytesAreNotFigures() {
        var bytes: [UInt8] = []
        Self.figures(Array(repeating: 1_000, count: 13), fine: 1 << 70, waived: 5).pack(into: &bytes)
        for cut in 0..<bytes.count {
            #expect(Array(bytes[..<cut]).withUnsafeBytes { KeyFigures(packed: $0) } == nil, "cut at \(cut)")
        }
        #expect((bytes + [0]).withUnsafeBytes { KeyFigures(packed: $0) } == nil)
        // A count past 64 bits is not a count.
        var wide: [UInt8] = []
        Self.figures(Array(repeating: 0, count: 13), fine: 0, waived: 0).pack(into: &wide)
        wide.replaceSubrange(0..<1, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        #expect(wide.withUnsafeBytes { KeyFigures(packed: $0) } == nil)
    }
}
