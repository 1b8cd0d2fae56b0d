/// What an engine's tables take in memory, table by table: the bytes each has allocated, counted
/// from their capacities (not from the process's resident set, which also holds the allocator's
/// slack, the stacks and everything outside the engine).
public struct EngineMemory: Sendable {
    /// One table: a short name and the bytes it has allocated.
    public struct Table: Sendable {
        /// What the table holds, e.g. `case states`.
        public var name: String
        /// Bytes allocated for it.
        public var bytes: Int

        /// A table named `name` that allocated `bytes`.
        public init(name: String, bytes: Int) {
            self.name = name
            self.bytes = bytes
        }
    }

    /// The tables, in a fixed order.
    public var tables: [Table]

    /// Cases the engine held when it was measured.
    public var cases: Int

    /// The figures of `tables` for an engine of `cases` cases.
    public init(tables: [Table], cases: Int) {
        self.tables = tables
        self.cases = cases
    }

    /// Bytes of all the tables.
    public var totalBytes: Int { tables.reduce(0) { $0 + $1.bytes } }
}

extension Engine {
    /// The bytes each of the engine's tables has allocated. Walks every aggregate's beneficiary
    /// table, so it costs a pass over the keys: for reports, not for the ingest path.
    public func memory() -> EngineMemory {
        settleFigures()
        var parties = 0
        for slot in aggregates.indices { parties += aggregates[slot].parties.allocatedBytes }
        var others = 0
        for index in otherIDs.indices {
            others += 32 + otherIDs[index].capacity * MemoryLayout<UInt64>.stride
        }
        // Their texts are the cases' own, in `texts` (a few indexed forms aside).
        let partyNames = partyIndex.allocatedBytes + partyTexts.allocatedBytes
        let tables: [EngineMemory.Table] = [
            .init(name: "case index", bytes: caseIndex.allocatedBytes),
            .init(name: "case states", bytes: caseStates.allocatedBytes),
            .init(name: "case ids and change marks", bytes: caseIDs.allocatedBytes + caseChanged.allocatedBytes),
            .init(name: "texts (ids, parties)", bytes: texts.allocatedBytes),
            .init(name: "ids that do not count", bytes: otherIDs.allocatedBytes + others),
            .init(name: "event ids to cases", bytes: eventIDs.allocatedBytes),
            .init(name: "beneficiary names", bytes: partyNames),
            .init(
                name: "aggregates",
                bytes: aggregates.allocatedBytes + slotKeys.allocatedBytes + slotSequence.allocatedBytes
                    + slotDirty.allocatedBytes),
            .init(name: "key map", bytes: slotIDs.allocatedBytes),
            .init(name: "beneficiaries per key", bytes: parties),
            .init(
                name: "key lists per place and day",
                bytes: coarseSlots.allocatedBytes + daySlots.allocatedBytes + slotLists.allocatedBytes),
        ]
        return EngineMemory(tables: tables, cases: caseCount)
    }
}
