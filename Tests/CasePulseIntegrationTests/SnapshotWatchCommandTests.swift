import Foundation
import Testing

/// What `casepulse snapshot` and `casepulse watch --json` print, against a real daemon holding two
/// cases, one in Yanzhou (370812) and one in Rencheng (370811).
@Suite struct SnapshotWatchCommandTests {
    static let yanzhou = "/m/all/370000/370800/370812/"

    /// A daemon holding the filings `a` (370812101) and `b` (370811001), both acknowledged.
    static func daemonWithTwoCases() throws -> DaemonProcess {
        let daemon = try DaemonProcess()
        let replies = try HashmapProtocolTests.sendReliably(
            [Filing.event("a", producer: "cli-app").json, Filing.event("b", producer: "cli-app", region: "370811001").json],
            to: daemon.reliable)
        #expect(replies == [["ACK", "a"], ["ACK", "b"]])
        return daemon
    }

    /// The keys of `document`'s lines `  "key": value`, in the order printed.
    static func printedKeys(_ document: String) -> [String] {
        document.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("  \"") else { return nil }
            return line.dropFirst(3).split(separator: "\"", maxSplits: 1).first.map(String.init)
        }
    }

    /// casepulse(1), COMMANDS, snapshot: "Prints every key under subtree (default /m/all/ ...) as
    /// one JSON document, {"sequence": N, "keys": {key: value, ...}}, the keys sorted and the values
    /// embedded as JSON."
    @Test func snapshotPrintsTheSortedKeysUnderMAllAsOneDocument() throws {
        let daemon = try Self.daemonWithTwoCases()
        defer { daemon.terminate() }
        let run = try CompletedProcess.run(DaemonProcess.cliBinary, ["snapshot", "--snapshot", daemon.snapshot])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.wholeMatch(of: /\{"sequence": [0-9]+, "keys": \{\n[\s\S]*\n\}\}\n/) != nil, "\(run.stdout)")

        let document = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(Set(document.keys) == ["sequence", "keys"])
        #expect(document["sequence"] is Int)
        let keys = try #require(document["keys"] as? [String: Any])
        let served = try daemon.snapshot(subtree: "/m/all/", timeout: .seconds(5)).values
        #expect(Set(keys.keys) == Set(served.keys), "only and every key under /m/all/")
        #expect(keys.count == 14 && keys.keys.allSatisfy { $0.hasPrefix("/m/all/") })
        #expect(keys.values.allSatisfy { $0 is [String: Any] }, "values embedded as JSON objects")
        let printed = Self.printedKeys(run.stdout)
        #expect(printed.count == keys.count && printed == printed.sorted(), "\(printed)")
    }

    /// casepulse(1), COMMANDS, watch, `--json`: one line per change, {"sequence": N, "key": K,
    /// "value": V|null}, the snapshot's entries first; `null` when the key is deleted, as a void
    /// taking back a key's last contribution deletes it (Protocols/PROTOCOL.md §3, §5.2). SIGINT
    /// ends it with status 0 (casepulse(1), EXIT STATUS).
    @Test func watchJSONPrintsNullForTheKeysAVoidDeletes() throws {
        let daemon = try Self.daemonWithTwoCases()
        defer { daemon.terminate() }
        let watch = try BackgroundProcess(
            DaemonProcess.cliBinary,
            ["watch", Self.yanzhou, "--json", "--snapshot", daemon.snapshot, "--publish", daemon.publish],
            directory: daemon.directory)
        defer { kill(watch.process.processIdentifier, SIGKILL) }
        let yanzhouKeys = ["@all", "@scjg", "370812101/@all", "370812101/@scjg"].map { Self.yanzhou + $0 }
        let snapshotShown = watch.waitForOutput(timeout: .seconds(15)) { output in
            Set(yanzhouKeys).isSubset(of: Self.changes(in: output).map(\.key))
        }
        #expect(snapshotShown, "stdout: \(watch.output) stderr: \(watch.errors)")

        // Case a is Yanzhou's only case: voiding it deletes every key of the subtree.
        let replies = try HashmapProtocolTests.sendReliably(
            [Filing.void("a-void", ofFiling: "a", producer: "cli-app").json], to: daemon.reliable)
        #expect(replies == [["ACK", "a-void"]])
        let deletionsShown = watch.waitForOutput(timeout: .seconds(10)) { output in
            Set(yanzhouKeys).isSubset(of: Self.changes(in: output).filter { $0.value is NSNull }.map(\.key))
        }
        #expect(deletionsShown, "stdout: \(watch.output) stderr: \(watch.errors)")

        let changes = Self.changes(in: watch.output)
        #expect(changes.prefix(4).map(\.key) == yanzhouKeys.sorted(), "the snapshot's entries first")
        #expect(changes.prefix(4).allSatisfy { $0.value is [String: Any] })
        #expect(changes.allSatisfy { $0.key.hasPrefix(Self.yanzhou) })
        #expect(changes.map(\.sequence).allSatisfy { $0 != nil })

        kill(watch.process.processIdentifier, SIGINT)
        #expect(watch.waitForExit(timeout: .seconds(5)) == 0, "stderr: \(watch.errors)")
        let lines = watch.output.split(separator: "\n")
        #expect(Self.changes(in: watch.output).count == lines.count, "every line one change: \(watch.output)")
    }

    /// The complete lines of `watch --json`'s `output` that are JSON objects with a string `key`.
    static func changes(in output: String) -> [(sequence: Int?, key: String, value: Any?)] {
        output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let key = object["key"] as? String
            else { return nil }
            return (object["sequence"] as? Int, key, object["value"])
        }
    }
}
