import Foundation

/// A program run to completion: its exit status and what it wrote.
struct CompletedProcess {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Runs `executable` with `arguments` (and `environment` added to this process's) until it
    /// exits, its standard input read from the file `input` when one is given. Output goes through
    /// temporary files, so neither stream can fill a pipe and stall it.
    static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:], input: URL? = nil
    ) throws -> CompletedProcess {
        let directory = FileManager.default.temporaryDirectory
        let outURL = directory.appendingPathComponent("casepulse-out-\(UUID().uuidString)")
        let errURL = directory.appendingPathComponent("casepulse-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        if let input { process.standardInput = try FileHandle(forReadingFrom: input) }
        try process.run()
        process.waitUntilExit()
        return CompletedProcess(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}
