import CasePulseTestKit
import CasePulseLifecycle
import Foundation
import Testing

/// The state directory is created when missing and refused, in one line, when unusable.
@Suite struct StateDirectoryTests {
    @Test func aMissingDirectoryIsCreatedPrivate() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-state"), path = scratch.appending("a/b")
        try StateDirectory.prepare(path)
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        #expect(try FileManager.default.contentsOfDirectory(atPath: path).isEmpty)
    }

    @Test func aFileOrAnUncreatableDirectoryIsRefusedInOneLine() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-state"), file = scratch.appending("file")
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        #expect {
            try StateDirectory.prepare(file)
        } throws: { "\($0)" == "state directory \(file) is not usable: it is not a directory" }
        #expect {
            try StateDirectory.prepare("\(file)/below")
        } throws: { "\($0)".hasPrefix("state directory \(file)/below is not usable: cannot create \(file)/below: Not a directory (errno 20)") }
        #expect {
            try StateDirectory.prepare("/proc/self/casepulse")
        } throws: { "\($0)".contains("errno") && !"\($0)".contains("\n") }
    }
}
