import Foundation
import Testing

/// PROTOCOL.md §2: `Protocols/event.schema.json` is what producers validate against, and
/// `vectors/check_schema.py` checks it against the same vectors the decoder passes
/// (``VectorTests``): every accepted vector validates, every invalid one does not, but for the
/// few rules a JSON Schema cannot state. Run with Debian's `python3-jsonschema`
/// (`Deploy/test.sh` installs it), so the schema cannot drift from the decoder unnoticed.
@Suite struct SchemaTests {
    @Test func theSchemaAgreesWithEveryVector() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [packageRoot.appendingPathComponent("Protocols/vectors/check_schema.py").path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "check_schema.py (needs python3-jsonschema): \(text)")
        #expect(text.contains(" vectors checked, 0 failures"), "\(text)")
    }
}
