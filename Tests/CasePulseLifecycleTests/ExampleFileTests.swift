import CasePulseTestKit
import CasePulseLifecycle
import Foundation
import Testing

/// Deploy/casepulsed.toml, the example an operator edits, stays true to the daemon.
@Suite struct ExampleFileTests {
    static let example = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Deploy/casepulsed.toml")

    @Test func asShippedItChangesNothing() throws {
        let configuration = try ConfigurationLoader(configFlag: Self.example.path, environment: ["HOME": "/h"]).load()
        #expect(configuration == DaemonConfiguration(environment: ["HOME": "/h"]))
    }

    @Test func everyKeyIsThereAndUncommentedItIsValid() throws {
        let text = try String(contentsOf: Self.example, encoding: .utf8)
        for key in ConfigurationKey.allCases {
            #expect(text.contains("\n#\(key.rawValue) = "), "\(key.rawValue) is missing from the example")
        }
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in line.hasPrefix("#") && line.dropFirst().first?.isLetter == true ? String(line.dropFirst()) : String(line) }
            .joined(separator: "\n")
        let scratch = try TemporaryDirectory(prefix: "casepulse-example"), path = scratch.appending("casepulsed.toml")
        try uncommented.write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try ConfigurationLoader(configFlag: path, environment: [:]).load()
        #expect(configuration.origins.count == ConfigurationKey.allCases.count)
        #expect(configuration.stateDirectory == "/var/lib/casepulse")
        #expect(configuration.publishInterval == 100)
    }
}
