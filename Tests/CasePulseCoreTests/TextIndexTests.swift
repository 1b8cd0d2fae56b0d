import Testing

@testable import CasePulseCore

@Suite struct TextIndexTests {
    /// Many cases, each found again under its own number, and spread evenly over the shards: ids
    /// whose hashes shared their top bits would deepen the directory far past what the number of
    /// shards needs.
    @Test func findsEveryCaseItHolds() {
        let engine = E.engine()
        let count = 50_000
        for number in 0..<count { #expect(engine.caseNumber("370812-2022-\(number)") == number) }
        for number in stride(from: 0, to: count, by: 7) { #expect(engine.caseNumber("370812-2022-\(number)") == number) }
        #expect(engine.caseCount == count)
        #expect(engine.existingCase(TextIndex.key("370812-2022-\(count)")) == nil)
        let words = engine.caseIndex.words
        #expect(!words.overflowUsed)
        #expect(words.shards.count >= count / WordTable.splitCount)
        #expect(words.directory.count <= 16 * words.shards.count)
    }

    /// Case ids are compared as Swift strings: canonically equivalent spellings are one case,
    /// whichever arrives first, and ids that only look alike are not.
    @Test(arguments: [
        ("caf\u{E9}-1", "cafe\u{301}-1"),
        ("\u{212A}-7", "K-7"),
        ("K-8", "\u{212A}-8"),
        ("a\u{37E}b", "a;b"),
        ("x\u{1FEF}", "x`"),
        ("\u{212A}\u{E9}", "K" + "e\u{301}"),
    ])
    func canonicallyEquivalentIdsAreOneCase(first: String, second: String) {
        #expect(first == second)
        let engine = E.engine()
        engine.apply(E.make("f-1", .filed, case: first, at: "2022-10-01T10:00:00+08:00"))
        engine.apply(E.make("f-2", .filed, case: second, at: "2022-10-01T09:00:00+08:00"))
        #expect(engine.caseCount == 1)
        #expect(engine.apply(E.make("f-1", .filed, case: second, at: "2022-10-01T10:00:00+08:00")) == .duplicate)
        #expect(engine.record(ofCase: second)?.filing?.id == "f-2")
        #expect(engine.record(ofCase: first)?.caseID == engine.record(ofCase: second)?.caseID)
    }

    @Test func distinctIdsStayDistinct() {
        let engine = E.engine()
        for caseID in ["K-1", "k-1", "\u{212B}-1", "\u{C5}-1", "\u{C4}-1", "\u{C5}-2"] {
            engine.apply(E.make("f-\(caseID)", .filed, case: caseID, at: "2022-10-01T10:00:00+08:00"))
        }
        // U+212B (angstrom sign) and U+00C5 are one case; the others are five more.
        #expect(engine.caseCount == 5)
    }
}
