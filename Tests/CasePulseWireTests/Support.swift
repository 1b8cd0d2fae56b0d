import CasePulseCore
import Foundation

/// Deterministic generator for reproducible random tests.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The package root, found from this file's path (`Tests/CasePulseWireTests/Support.swift`).
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()

/// `2026-06-01T00:00:00Z`, the `now` of the test vectors, in Unix seconds.
let vectorNow: Int64 = 1_780_272_000

extension EventType {
    init?(wireName: String) {
        guard let value = Self.allCases.first(where: { $0.wireName == wireName }) else { return nil }
        self = value
    }
}

extension Channel {
    init?(wireName: String) {
        guard let value = Self.allCases.first(where: { $0.wireName == wireName }) else { return nil }
        self = value
    }
}

extension Decision {
    init?(wireName: String) {
        guard let value = Self.allCases.first(where: { $0.wireName == wireName }) else { return nil }
        self = value
    }
}

extension Reason {
    init?(wireName: String) {
        guard let value = Self.allCases.first(where: { $0.wireName == wireName }) else { return nil }
        self = value
    }
}

/// A minimal valid `filed` event.
func sampleEvent() -> CaseEvent {
    CaseEvent(
        id: "evt-0001", producer: "scjg-backend", type: .filed, caseID: "370812-2024-0001",
        at: 1_709_256_600_000_000_000, region: RegionCode("370812") ?? RegionCode(value: 0, length: 6)!,
        agency: "scjg", channel: .online
    )
}
