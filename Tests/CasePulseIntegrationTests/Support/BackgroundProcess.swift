import Foundation

/// A program the test starts and lets run — `casepulse watch`, say — whose output it reads while
/// it runs and whose end it waits for with a bound. Output goes to files in `directory`, so no
/// pipe can fill and stall it; a process still running when the test lets go is killed.
final class BackgroundProcess {
    let process = Process()
    private let outURL: URL
    private let errURL: URL

    /// Starts `executable` with `arguments`, writing its output under `directory`.
    init(_ executable: URL, _ arguments: [String], directory: URL) throws {
        let name = "\(executable.lastPathComponent)-\(UUID().uuidString.prefix(8))"
        outURL = directory.appendingPathComponent(name + ".out")
        errURL = directory.appendingPathComponent(name + ".err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
    }

    /// What it wrote to standard output so far.
    var output: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }
    /// What it wrote to standard error so far.
    var errors: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

    /// Waits until `condition` holds for its standard output, or `timeout` passed, or it exited.
    func waitForOutput(timeout: Duration, _ condition: (String) -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, process.isRunning {
            if condition(output) { return true }
            usleep(20_000)
        }
        return condition(output)
    }

    /// Its exit status once it exits within `timeout`; `nil` if it is still running then.
    func waitForExit(timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
