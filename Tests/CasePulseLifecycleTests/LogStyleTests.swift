import CasePulseLifecycle
import Foundation
import Logging
import Synchronization
import Testing

/// Journal and terminal lines, detection, and the shared level.
@Suite struct LogStyleTests {
    @Test func journalLinesCarryTheSyslogPriorityAndNoTimestamp() {
        let line = LogStyle.journal.line(level: .warning, label: "casepulsed", message: "gap", metadata: ["producer": "jn-app"])
        #expect(line == "<4>gap producer=jn-app\n")
        let levels: [Logger.Level] = [.trace, .debug, .info, .notice, .warning, .error, .critical]
        #expect(levels.map(LogStyle.priority) == [7, 7, 6, 5, 4, 3, 2])
    }

    @Test func oneEventIsOneLineWhateverItsMessage() {
        let line = LogStyle.journal.line(level: .error, label: "x", message: "first\nsecond", metadata: ["detail": "a\nb"])
        #expect(line == "<3>first\\nsecond detail=a\\nb\n")
        #expect(LogStyle.journal.fatalLine("bad\nthing") == "<3>casepulsed: bad\\nthing\n")
        #expect(LogStyle.terminal(colour: false).fatalLine("bad") == "casepulsed: bad\n")
    }

    @Test func terminalLinesAreReadableAndColouredOnlyWhenAsked() throws {
        let date = Date(timeIntervalSince1970: 1_700_000_000.25)
        let plain = LogStyle.terminal(colour: false).line(level: .info, label: "casepulsed", message: "serving", metadata: [:], date: date)
        let pattern = try Regex(#"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.250 INFO casepulsed: serving\n$"#)
        #expect(plain.wholeMatch(of: pattern) != nil, "\(plain)")
        #expect(!plain.contains("\u{1B}"))
        let coloured = LogStyle.terminal(colour: true).line(level: .error, label: "casepulsed", message: "x", metadata: [:], date: date)
        #expect(coloured.contains("\u{1B}[31mERROR\u{1B}[0m"))
    }

    @Test func theJournalIsRecognisedByTheDeviceAndInodeOfStderr() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cp-log-\(UUID().uuidString.prefix(8))").path
        let fd = open(path, O_CREAT | O_WRONLY, 0o600)
        defer { close(fd); unlink(path) }
        var info = stat()
        #expect(fstat(fd, &info) == 0)
        #expect(LogStyle.detect(environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"], fd: fd) == .journal)
        #expect(LogStyle.detect(environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino + 1)"], fd: fd) == .terminal(colour: false))
        #expect(LogStyle.detect(environment: [:], fd: fd) == .terminal(colour: false))
    }

    @Test func aReloadedLevelReachesLoggersThatAlreadyExist() {
        let lines = Mutex<[String]>([])
        let control = LogLevelControl(.info)
        let logger = Logger(label: "t") { label in
            DaemonLogHandler(label: label, style: .journal, control: control) { _, line in lines.withLock { $0.append(line) } }
        }
        logger.debug("hidden")
        logger.info("shown", metadata: ["n": "1"])
        control.level = .debug
        logger.debug("now shown")
        control.level = .error
        logger.warning("hidden again")
        #expect(lines.withLock { $0 } == ["<6>shown n=1\n", "<7>now shown\n"])
    }

    @Test func startupHoldsInformationUntilTheDaemonStartsAndDropsItWhenItCannot() {
        let written = Mutex<[String]>([])
        let started = StartupLogGate { line in written.withLock { $0.append(line) } }
        started.emit(.info, "recovered")
        started.emit(.warning, "journal tail torn")
        #expect(written.withLock { $0 } == ["journal tail torn"])
        started.open()
        started.emit(.debug, "after")
        #expect(written.withLock { $0 } == ["journal tail torn", "recovered", "after"])

        let failed = Mutex<[String]>([])
        let gate = StartupLogGate { line in failed.withLock { $0.append(line) } }
        gate.emit(.notice, "recovered")
        gate.discard()
        #expect(failed.withLock { $0 }.isEmpty)
    }
}
