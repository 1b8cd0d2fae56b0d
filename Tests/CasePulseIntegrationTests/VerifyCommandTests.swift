import CasePulseClient
import CasePulseTestKit
import Foundation
import Testing
import ZeroMQ

/// `casepulse verify` on a real daemon's state (casepulse(1)): read-only and safe while the daemon
/// runs, which it says with status 2; 0 once the daemon stopped cleanly (and closed its database,
/// leaving no write-ahead log); 1, naming the key, when a stored figure differs from what the
/// records give.
@Suite struct VerifyCommandTests {
    @Test func verifyTellsARunningStateFromACleanOneAndFindsATamperedFigure() throws {
        let daemon = try DaemonProcess(arguments: ["--checkpoint-events", "50"])
        let context = try Context()
        let publisher = try ReliablePublisher(context: context, endpoint: daemon.reliable, replyTimeout: .seconds(30))
        let events = (0..<200).map { Filing.event("v\($0)", producer: "verify-app") }
        #expect(try publisher.send(events).accepted == events.count)
        publisher.close()

        func verify() throws -> CompletedProcess {
            try CompletedProcess.run(DaemonProcess.cliBinary, ["verify", "--state-dir", daemon.stateDirectory])
        }
        let running = try verify()
        #expect(running.status == 2, "stdout: \(running.stdout) stderr: \(running.stderr)")
        // It took nothing from the daemon: still serving, every event still there.
        let all = try daemon.snapshot(subtree: "/m/all/@all").values["/m/all/@all"] ?? ""
        #expect(all.contains(#""filed":200,"#), "\(all)")

        let jining = try daemon.snapshot(subtree: "/m/all/370000/370800/@all").values["/m/all/370000/370800/@all"]
        #expect(daemon.terminate() == 0, "log: \(daemon.log.suffix(2000))")
        // The clean stop closed the database: its write-ahead log is folded in and gone.
        let left = try FileManager.default.contentsOfDirectory(atPath: daemon.stateDirectory)
        #expect(!left.contains("casepulse.sqlite-wal") && !left.contains("casepulse.sqlite-shm"), "\(left)")
        let clean = try verify()
        #expect(clean.status == 0, "stdout: \(clean.stdout) stderr: \(clean.stderr)")
        try Self.expectStateQueriesWork(on: daemon.stateDirectory, jining: jining)

        // One stored figure off by one: found, and named.
        let tamper = try CompletedProcess.run(URL(fileURLWithPath: "/usr/bin/python3"), [
            "-c",
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            changed = db.execute("UPDATE aggregates SET value = replace(value, '\\"filed\\":200,', '\\"filed\\":201,') WHERE key = '/m/all/@all'").rowcount
            db.commit()
            print(changed)
            """,
            daemon.stateDirectory + "/casepulse.sqlite",
        ])
        #expect(tamper.status == 0 && tamper.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "\(tamper.stderr)")
        let tampered = try verify()
        #expect(tampered.status == 1)
        #expect((tampered.stdout + tampered.stderr).contains("/m/all/@all"), "stdout: \(tampered.stdout) stderr: \(tampered.stderr)")
    }

    /// STATE.md's inspection queries, read from the document itself, run read-only (Python's
    /// `sqlite3` module, as `sqlite3 -readonly` would) on a cleanly stopped state: the stored
    /// Jining figure is the one the daemon served, and the journal epoch and the checkpoint time
    /// are there.
    static func expectStateQueriesWork(on directory: String, jining: String?) throws {
        let state = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../Protocols/STATE.md").standardized,
            encoding: .utf8)
        let queries = state.matches(of: /"(SELECT [^"]+)"/).map { String($0.1) }
        try #require(queries.count == 2, "STATE.md's queries: \(queries)")
        var answers: [[String]] = []
        for query in queries {
            let run = try CompletedProcess.run(URL(fileURLWithPath: "/usr/bin/python3"), [
                "-c",
                """
                import sqlite3, sys
                db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
                for row in db.execute(sys.argv[2]):
                    print(row[0])
                """,
                directory + "/casepulse.sqlite", query,
            ])
            #expect(run.status == 0, "\(query): \(run.stderr)")
            answers.append(run.stdout.split(separator: "\n").map(String.init))
        }
        #expect(jining != nil && answers[0] == [jining ?? ""], "\(answers[0])")
        #expect(answers[1].count == 2 && answers[1].allSatisfy { Int($0) != nil }, "\(answers[1])")
    }
}
