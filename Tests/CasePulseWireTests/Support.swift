import CasePulseCore
import Foundation

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
