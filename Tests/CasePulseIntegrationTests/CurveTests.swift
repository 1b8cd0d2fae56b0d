import CasePulseTestKit
import CasePulseClient
import CasePulseSecurity
import CasePulseServer
import Foundation
import Logging
import Testing
import ZeroMQ

/// CURVE end to end: an in-process server secured by ``CurveSecurity`` on loopback tcp, and the
/// project's own clients with and without keys. Every refusal is checked from both sides: the
/// client gets nothing (or a NACK) and the daemon's `/sys/ingest` and figures did not move.
@Suite(.serialized) struct CurveTests {
    /// Keys on disk as an operator lays them out, and a running secured server.
    final class SecuredServer {
        /// Holds the certificates for as long as the server lives.
        let scratch: TemporaryDirectory
        var root: String { scratch.path }
        let server: Server
        let security: CurveSecurity
        let context: Context
        let serverKey: [UInt8]
        var snapshot: String { server.boundEndpoints["snapshot"] ?? "" }
        var publish: String { server.boundEndpoints["publish"] ?? "" }
        var ingest: String { server.boundEndpoints["ingest"] ?? "" }
        var reliable: String { server.boundEndpoints["reliable"] ?? "" }
        var producers: String { root + "/producers" }

        /// A server that admits `producers` and `subscribers` (certificates for `others` are made
        /// but not allowed), logging through `logger`.
        init(producers: [String], subscribers: [String], others: [String] = [], logger: Logger = Logger(label: "curve-test")) throws {
            scratch = try TemporaryDirectory(prefix: "casepulse-curve")
            let root = scratch.path
            for directory in ["/producers", "/subscribers", "/clients"] {
                try FileManager.default.createDirectory(atPath: root + directory, withIntermediateDirectories: true)
            }
            let pair = try CurveKeyPair.generate()
            serverKey = pair.publicKey
            try CurveCertificate(name: "casepulsed", publicKey: pair.publicKey, secretKey: pair.secretKey).write(to: root)
            for (names, directory) in [(producers, "/producers"), (subscribers, "/subscribers"), (others, "")] {
                for name in names {
                    let client = try CurveKeyPair.generate()
                    try CurveCertificate(name: name, publicKey: client.publicKey, secretKey: client.secretKey).write(to: root + "/clients")
                    if !directory.isEmpty {
                        try FileManager.default.copyItem(atPath: "\(root)/clients/\(name).key", toPath: "\(root)\(directory)/\(name).key")
                    }
                }
            }
            context = try Context()
            security = try CurveSecurity.load(
                certificate: root + "/casepulsed.key_secret", producerKeys: root + "/producers",
                subscriberKeys: root + "/subscribers", context: context, logger: logger)
            var configuration = ServerConfiguration()
            configuration.snapshotEndpoint = "tcp://127.0.0.1:*"
            configuration.publishEndpoint = "tcp://127.0.0.1:*"
            configuration.ingestBinds = ["tcp://127.0.0.1:*"]
            configuration.reliableEndpoints = ["tcp://127.0.0.1:*"]
            configuration.publishIntervalMilliseconds = 0
            configuration.security = security
            server = try Server(configuration: configuration, context: context, logger: logger)
            try server.start()
        }

        /// The client keys of `name` (from `casepulse keygen`-style files), via the public API.
        func keys(_ name: String) throws -> CurveClientKeys {
            try CurveClientKeys(certificate: "\(root)/clients/\(name).key_secret", serverKey: root + "/casepulsed.key")
        }

        /// `/sys/ingest` and `/m/all/@all` as read with a subscriber key.
        func figures(as subscriber: String) throws -> (ingest: [String: Any], all: String?) {
            let snapshot = try HashmapClient.snapshot(
                context: context, endpoint: snapshot, subtree: "", timeout: .seconds(5), curve: try keys(subscriber))
            let ingest = try #require(snapshot.entries["/sys/ingest"]?.value)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(ingest.utf8)) as? [String: Any])
            return (object, snapshot.entries["/m/all/@all"]?.value)
        }

        func stop() async {
            server.stop()
            await server.waitUntilStopped()
            await security.stop()
        }
    }

    /// Sends on the reliable path with `keys`; `nil` when nothing at all was answered (the
    /// handshake never completed).
    static func sendReliably(_ events: [(id: String, json: String)], to server: SecuredServer, keys: CurveClientKeys?) throws -> ReliableReport? {
        let publisher = try ReliablePublisher(
            context: server.context, endpoint: server.reliable, retryInterval: .milliseconds(500), maxAttempts: 2,
            replyTimeout: .seconds(2), curve: keys)
        defer { publisher.close() }
        do {
            let report = try publisher.send(events)
            return report.accepted + report.nacked == 0 ? nil : report
        } catch .noReply {
            return nil
        } catch .handshakeFailed {
            return nil
        }
    }

    /// Whether a best-effort publisher with `keys` sees the daemon's subscription within 2 s.
    static func canPublish(to server: SecuredServer, keys: CurveClientKeys?) throws -> Bool {
        let publisher = try EventPublisher(context: server.context, endpoint: server.ingest, subscriptionTimeout: .seconds(2), curve: keys)
        defer { publisher.close(linger: .zero) }
        do {
            try publisher.waitForSubscriber()
            return true
        } catch .noSubscriber {
            return false
        } catch .handshakeFailed {
            return false
        }
    }

    /// Whether a snapshot request with `keys` is answered: false when the handshake fails before
    /// the daemon's ZAP handler has a say (no keys), it times out, or the daemon refuses the key.
    static func canRead(_ server: SecuredServer, keys: CurveClientKeys?) throws -> Bool {
        do {
            _ = try HashmapClient.snapshot(context: server.context, endpoint: server.snapshot, subtree: "/sys/", timeout: .seconds(2), curve: keys)
            return true
        } catch .snapshotTimeout {
            return false
        } catch .handshakeFailed {
            return false
        } catch .subscriberKeyRefused {
            return false
        }
    }

    static func count(_ ingest: [String: Any], _ field: String) -> Int {
        ingest[field] as? Int ?? -1
    }

    static func unauthorized(_ ingest: [String: Any]) -> Int {
        (ingest["rejected_by_reason"] as? [String: Any])?["unauthorized"] as? Int ?? -1
    }

    @Test func anUnknownKeyCanNeitherSendNorRead() async throws {
        let server = try SecuredServer(producers: ["jn-scjg-app"], subscribers: ["dashboard"], others: ["stranger"])
        let stranger = try server.keys("stranger")
        #expect(try Self.sendReliably([Filing.event("s1", producer: "stranger")], to: server, keys: stranger) == nil)
        #expect(try Self.canPublish(to: server, keys: stranger) == false)
        #expect(try Self.canRead(server, keys: stranger) == false)
        // No keys at all: the CURVE handshake cannot even start.
        #expect(try Self.sendReliably([Filing.event("s2", producer: "stranger")], to: server, keys: nil) == nil)
        #expect(try Self.canRead(server, keys: nil) == false)
        // Knowing the server key is not enough (libzmq's trap without a ZAP handler).
        #expect(try Self.canRead(server, keys: try server.keys("jn-scjg-app")) == false, "a producer key does not read figures")

        let (ingest, all) = try server.figures(as: "dashboard")
        #expect(Self.count(ingest, "received") == 0)
        #expect(all == nil)
        let statistics = server.security.statistics
        #expect(statistics.denied[.reliable, default: 0] >= 1)
        #expect(statistics.denied[.ingest, default: 0] >= 1)
        #expect(statistics.denied[.snapshot, default: 0] >= 2)
        await server.stop()
    }

    /// PROTOCOL.md §6: refused handshakes are logged at most 10 lines per 10 seconds, then one
    /// line with the number not logged; each is counted either way. Strangers knocking on the
    /// reliable port (thirty of them, each retrying as libzmq reconnects) cost a few lines.
    @Test func refusedHandshakesAreLoggedTenLinesPerTenSeconds() async throws {
        let recording = RecordingLogHandler()
        let started = ContinuousClock.now
        let server = try SecuredServer(producers: ["jn-scjg-app"], subscribers: ["dashboard"], others: ["stranger"], logger: recording.logger())
        let stranger = try server.keys("stranger")
        var strangers: [Socket] = []
        for _ in 0..<30 {
            let socket = try Socket(server.context, .dealer)
            try socket.setLinger(0)
            try socket.setCurveServerKey(stranger.serverPublicKey)
            try socket.setCurvePublicKey(stranger.client.publicKey)
            try socket.setCurveSecretKey(stranger.client.secretKey)
            try socket.connect(server.reliable)
            strangers.append(socket)
        }
        while server.security.statistics.refusedTotal < 30, ContinuousClock.now - started < .seconds(8) { usleep(20_000) }
        for socket in strangers { socket.close(linger: 0) }

        /// Lines saying a handshake was refused, and the sum of the held-back counts.
        func logged() -> (lines: Int, heldBack: Int) {
            let messages = recording.lines.map(\.message)
            let held = messages.compactMap { message -> Int? in
                guard message.hasSuffix("were not logged"), message.contains(" more refused handshakes in the last ") else { return nil }
                return message.split(separator: " ").first.flatMap { Int($0) }
            }
            return (messages.count { $0.hasPrefix("denied a CURVE handshake") || $0.hasPrefix("failed CURVE handshake") }, held.reduce(0, +))
        }
        // The held-back count is logged once the ten-second window is over.
        var (lines, heldBack) = logged()
        while lines + heldBack < server.security.statistics.refusedTotal, ContinuousClock.now - started < .seconds(30) {
            usleep(100_000)
            (lines, heldBack) = logged()
        }
        let refused = server.security.statistics.refusedTotal
        #expect(refused >= 30)
        #expect(lines + heldBack == refused, "\(lines) lines and \(heldBack) held back for \(refused) refusals")
        #expect(heldBack > 0)
        let windows = Int((ContinuousClock.now - started).components.seconds) / 10 + 1
        #expect(lines >= 10 && lines <= 10 * windows, "\(lines) lines in \(windows) windows")
        await server.stop()
    }

    @Test func aProducerKeyCannotSpeakForAnotherProducer() async throws {
        let server = try SecuredServer(producers: ["jn-scjg-app", "jn-zrzy-app"], subscribers: ["dashboard"])
        let keys = try server.keys("jn-scjg-app")
        let report = try #require(try Self.sendReliably(
            [Filing.event("a1", producer: "jn-zrzy-app"), Filing.event("a2", producer: "jn-scjg-app")], to: server, keys: keys))
        #expect(report.accepted == 1)
        #expect(report.nacks.map(\.reason) == ["unauthorized"])
        #expect(report.nacks.first?.id == "a1")

        // The best-effort path checks the same identity.
        let publisher = try EventPublisher(context: server.context, endpoint: server.ingest, curve: keys)
        try publisher.waitForSubscriber()
        try publisher.send(json: Filing.event("b1", producer: "jn-zrzy-app").json)
        try publisher.send(json: Filing.event("b2", producer: "jn-scjg-app").json)
        publisher.close(linger: .seconds(5))
        var ingest: [String: Any] = [:]
        var all: String?
        for _ in 0..<50 {
            (ingest, all) = try server.figures(as: "dashboard")
            if Self.count(ingest, "received") >= 4 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(Self.count(ingest, "received") == 4)
        #expect(Self.count(ingest, "accepted") == 2)
        #expect(Self.unauthorized(ingest) == 2)
        #expect(all?.contains(#""filed":2,"#) == true)
        await server.stop()
    }

    @Test func aSubscriberKeyCannotSendEvents() async throws {
        let server = try SecuredServer(producers: ["jn-scjg-app"], subscribers: ["dashboard"])
        let keys = try server.keys("dashboard")
        #expect(try Self.sendReliably([Filing.event("d1", producer: "dashboard")], to: server, keys: keys) == nil)
        #expect(try Self.canPublish(to: server, keys: keys) == false)
        #expect(try Self.canRead(server, keys: keys))
        let client = try HashmapClient(
            context: server.context, snapshotEndpoint: server.snapshot, publishEndpoint: server.publish,
            subtree: "/sys/", curve: keys)
        #expect(client.lastHeartbeat != nil || client.values["/sys/ingest"] != nil, "live updates reach a subscriber key")
        client.close()
        let (ingest, _) = try server.figures(as: "dashboard")
        #expect(Self.count(ingest, "received") == 0)
        await server.stop()
    }

    @Test func aRevokedProducerIsCutOffAfterReload() async throws {
        let server = try SecuredServer(producers: ["jn-scjg-app", "jn-zrzy-app"], subscribers: ["dashboard"])
        let keys = try server.keys("jn-scjg-app")
        let connected = try ReliablePublisher(
            context: server.context, endpoint: server.reliable, retryInterval: .milliseconds(500), maxAttempts: 2,
            replyTimeout: .seconds(2), curve: keys)
        defer { connected.close() }
        #expect(try connected.send([Filing.event("r1", producer: "jn-scjg-app")]).accepted == 1)

        try FileManager.default.removeItem(atPath: server.producers + "/jn-scjg-app.key")
        let change = try server.security.reload()   // what the daemon does on SIGHUP
        #expect(change.producersRemoved == ["jn-scjg-app"])

        // Already connected: its events are refused from the next one on.
        let after = try connected.send([Filing.event("r2", producer: "jn-scjg-app")])
        #expect(after.accepted == 0)
        #expect(after.nacks.map(\.reason) == ["unauthorized"])
        // Reconnecting does not help: the handshake fails.
        #expect(try Self.sendReliably([Filing.event("r3", producer: "jn-scjg-app")], to: server, keys: keys) == nil)
        // The others are untouched.
        #expect(try Self.sendReliably([Filing.event("r4", producer: "jn-zrzy-app")], to: server, keys: try server.keys("jn-zrzy-app"))?.accepted == 1)
        let (ingest, all) = try server.figures(as: "dashboard")
        #expect(Self.count(ingest, "accepted") == 2)
        #expect(Self.unauthorized(ingest) == 1)
        #expect(all?.contains(#""filed":2,"#) == true)
        await server.stop()
    }

    /// PROTOCOL.md §6.2 on the best-effort path: a producer whose connection was admitted before
    /// its key was revoked has every later event refused as `unauthorized`, counted, and no figure
    /// moves; the others are untouched.
    @Test func aRevokedProducerIsCutOffOnTheBestEffortPathToo() async throws {
        let server = try SecuredServer(producers: ["jn-scjg-app", "jn-zrzy-app"], subscribers: ["dashboard"])
        let connected = try EventPublisher(context: server.context, endpoint: server.ingest, curve: try server.keys("jn-scjg-app"))
        defer { connected.close() }
        /// The `/sys/ingest` counters and `/m/all/@all` once `ready` holds for them, or after 5 s.
        func figures(once ready: ([String: Any]) -> Bool) throws -> (ingest: [String: Any], all: String?) {
            let deadline = ContinuousClock.now + .seconds(5)
            var figures = try server.figures(as: "dashboard")
            while !ready(figures.ingest), ContinuousClock.now < deadline {
                usleep(20_000)
                figures = try server.figures(as: "dashboard")
            }
            return figures
        }
        try connected.send(json: Filing.event("b1", producer: "jn-scjg-app").json)
        #expect(Self.count(try figures(once: { Self.count($0, "accepted") == 1 }).ingest, "accepted") == 1)

        try FileManager.default.removeItem(atPath: server.producers + "/jn-scjg-app.key")
        #expect(try server.security.reload().producersRemoved == ["jn-scjg-app"])
        for id in ["b2", "b3", "b4"] { try connected.send(json: Filing.event(id, producer: "jn-scjg-app").json) }
        let refused = try figures(once: { Self.unauthorized($0) == 3 })
        #expect(Self.unauthorized(refused.ingest) == 3)
        #expect(Self.count(refused.ingest, "accepted") == 1)
        #expect(refused.all?.contains(#""filed":1,"#) == true, "\(refused.all ?? "no /m/all/@all")")

        let other = try EventPublisher(context: server.context, endpoint: server.ingest, curve: try server.keys("jn-zrzy-app"))
        defer { other.close() }
        try other.send(json: Filing.event("b5", producer: "jn-zrzy-app").json)
        let after = try figures(once: { Self.count($0, "accepted") == 2 })
        #expect(Self.count(after.ingest, "accepted") == 2 && Self.unauthorized(after.ingest) == 3)
        #expect(after.all?.contains(#""filed":2,"#) == true, "\(after.all ?? "no /m/all/@all")")
        await server.stop()
    }

    /// Runs the `casepulse` CLI built next to the daemon; returns its status and standard output.
    static func casepulse(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let run = try CompletedProcess.run(DaemonProcess.cliBinary, arguments)
        return (run.status, run.stdout, run.stderr)
    }

    static func python(_ script: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// One Z85 key in 85 begins with `-`: the CLI takes it as `--server-key`'s value, not as an
    /// option (the usage error, exit 64 "Missing value for '--server-key'", made
    /// ``keygenAndPyzmqCertificatesWorkWithTheCLI()`` fail whenever its server key did).
    @Test func aServerKeyBeginningWithADashIsTakenAsTheValue() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-dash-key")
        let client = try CurveKeyPair.generate()
        try CurveCertificate(name: "cli", publicKey: client.publicKey, secretKey: client.secretKey).write(to: scratch.path)
        var server = try CurveKeyPair.generate()
        while !server.publicKeyZ85.hasPrefix("-") { server = try CurveKeyPair.generate() }
        let run = try Self.casepulse([
            "snapshot", "/m/all/@all", "--snapshot", "tcp://127.0.0.1:1", "--timeout", "1",
            "--curve-cert", scratch.path + "/cli.key_secret", "--server-key", server.publicKeyZ85,
        ])
        #expect(!run.errors.contains("Missing value"), "\(run.errors)")
        #expect(run.status != 64, "a usage error: \(run.errors)")
        #expect(run.status != 0, "nothing answers on port 1")
    }

    /// A `--server-key` that is not the daemon's, or no CURVE at all against a daemon that runs
    /// it, ends the CLI after the 2 s grace with the cause and exit status 78, well before its
    /// 10 s timeout would (which says only that no snapshot came). The right keys still work.
    @Test func aWrongServerKeyEndsWithTheCauseNotATimeout() async throws {
        let server = try SecuredServer(producers: [], subscribers: ["dashboard"])
        let wrong = try #require(Z85.encode(try CurveKeyPair.generate().publicKey))
        let right = try #require(Z85.encode(server.serverKey))
        let cert = server.root + "/clients/dashboard.key_secret"
        let snapshot = { (keys: [String]) in
            try Self.casepulse(["snapshot", "/m/all/@all", "--snapshot", server.snapshot, "--timeout", "10"] + keys)
        }
        let start = ContinuousClock.now
        let wrongKey = try snapshot(["--curve-cert", cert, "--server-key", wrong])
        #expect(ContinuousClock.now - start < .seconds(8), "ended by the timeout: \(wrongKey.errors)")
        #expect(wrongKey.status == 78, "\(wrongKey.errors)")
        #expect(wrongKey.errors.hasPrefix("casepulse: cannot talk to \(server.snapshot): "), "\(wrongKey.errors)")
        #expect(wrongKey.errors.contains("--server-key is most likely not the public key of casepulsed's --curve-cert"), "\(wrongKey.errors)")
        let plain = try snapshot([])
        #expect(plain.status == 78, "\(plain.errors)")
        #expect(plain.errors.contains("the daemon runs CURVE there: give --curve-cert and --server-key"), "\(plain.errors)")
        let admitted = try snapshot(["--curve-cert", cert, "--server-key", right])
        #expect(admitted.status == 0, "\(admitted.errors)")
        // The publishers too, best-effort and reliable, where the wait would have ended as "no
        // subscriber" or "no reply".
        let events = server.root + "/events.jsonl"
        try (Filing.event("w1", producer: "dashboard").json + "\n").write(toFile: events, atomically: true, encoding: .utf8)
        for path in [["--ingest", server.ingest], ["--reliable", server.reliable]] {
            let started = ContinuousClock.now
            let published = try Self.casepulse(
                ["publish"] + path + [events, "--timeout", "10", "--curve-cert", cert, "--server-key", wrong])
            #expect(ContinuousClock.now - started < .seconds(8), "ended by the timeout: \(published.errors)")
            #expect(published.status == 78, "\(path[0]): \(published.errors)")
            #expect(published.errors.contains("--server-key is most likely not the public key"), "\(path[0]): \(published.errors)")
        }
        await server.stop()
    }

    @Test func keygenAndPyzmqCertificatesWorkWithTheCLI() async throws {
        let server = try SecuredServer(producers: [], subscribers: [])
        let keys = server.root + "/cli"
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        // casepulse keygen → pyzmq reads it.
        let keygen = try Self.casepulse(["keygen", "jn-cli-app", "--directory", keys])
        #expect(keygen.status == 0)
        #expect(keygen.output == "\(keys)/jn-cli-app.key\n\(keys)/jn-cli-app.key_secret\n")
        let ours = try CurveCertificate.read(path: keys + "/jn-cli-app.key_secret")
        #expect(try Self.python("""
            import zmq.auth
            public, secret = zmq.auth.load_certificate('\(keys)/jn-cli-app.key_secret')
            print(public.decode()); print(secret.decode())
            print(zmq.auth.load_certificate('\(keys)/jn-cli-app.key')[0].decode())
            """) == [ours.publicKeyZ85, ours.secretKey.flatMap(Z85.encode) ?? "", ours.publicKeyZ85])
        #expect(try Self.casepulse(["keygen", "jn-cli-app", "--directory", keys]).status == 1, "never replaces a key")
        #expect(try Self.casepulse(["keygen", "bad name", "--directory", keys]).status == 64)
        // pyzmq writes a subscriber certificate → the CLI reads figures with it.
        _ = try Self.python("import zmq.auth; zmq.auth.create_certificates('\(keys)', 'py-dashboard')")
        try FileManager.default.copyItem(atPath: keys + "/jn-cli-app.key", toPath: server.producers + "/jn-cli-app.key")
        try FileManager.default.copyItem(atPath: keys + "/py-dashboard.key", toPath: server.root + "/subscribers/py-dashboard.key")
        try server.security.reload()

        let events = server.root + "/events.jsonl"
        try (Filing.event("c1", producer: "jn-cli-app").json + "\n").write(toFile: events, atomically: true, encoding: .utf8)
        let serverKey = try #require(Z85.encode(server.serverKey))
        let published = try Self.casepulse([
            "publish", "--reliable", server.reliable, events, "--timeout", "5",
            "--curve-cert", keys + "/jn-cli-app.key_secret", "--server-key", serverKey,
        ])
        #expect(published.status == 0, "\(published.output)\(published.errors)")
        let snapshot = try Self.casepulse([
            "snapshot", "/m/all/@all", "--snapshot", server.snapshot, "--timeout", "5",
            "--curve-cert", keys + "/py-dashboard.key_secret", "--server-key", server.root + "/casepulsed.key",
        ])
        #expect(snapshot.status == 0)
        #expect(snapshot.output.contains(#""filed":1,"#))
        // Without keys the CLI gets nothing.
        #expect(try Self.casepulse(["snapshot", "/m/all/@all", "--snapshot", server.snapshot, "--timeout", "1"]).status != 0)
        await server.stop()
    }

    /// `casepulse keygen NAME` never replaces an existing file, nor writes the other half of a
    /// pair beside a lone one (a new `NAME.key` beside a kept `NAME.key_secret` would not belong
    /// to it): it exits 1 with one line naming the existing file, and leaves the directory as it
    /// was, bytes and modification times.
    @Test(arguments: [["key", "key_secret"], ["key_secret"], ["key"]])
    func keygenNeverReplacesNorCompletesAnExistingPair(existing: [String]) throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-keygen"), directory = scratch.path
        // A real pair, with the files to keep dated in the past: a rewrite would move the time.
        let old = try CurveKeyPair.generate()
        try CurveCertificate(name: "jn", publicKey: old.publicKey, secretKey: old.secretKey).write(to: directory)
        let past = Date(timeIntervalSince1970: 1_600_000_000)
        var kept: [String: (bytes: Data, modified: Date?)] = [:]
        for suffix in ["key", "key_secret"] {
            let path = "\(directory)/jn.\(suffix)"
            guard existing.contains(suffix) else {
                try FileManager.default.removeItem(atPath: path)
                continue
            }
            try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: path)
            kept[path] = (try Data(contentsOf: URL(fileURLWithPath: path)),
                          try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
        }

        let keygen = try Self.casepulse(["keygen", "jn", "--directory", directory])
        #expect(keygen.status == 1, "\(keygen.errors)")
        #expect(keygen.output.isEmpty, "\(keygen.output)")
        #expect(keygen.errors.split(separator: "\n").count == 1, "\(keygen.errors)")
        #expect(keygen.errors.hasPrefix("casepulse: certificate \(directory)/jn.\(existing[0]): exists already"), "\(keygen.errors)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == existing.map { "jn.\($0)" }.sorted())
        for (path, file) in kept {
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == file.bytes, "\(path) changed")
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date == file.modified, "\(path) rewritten")
            #expect(file.modified == past)
        }
    }

    @Test func aCertificateWithoutAllowlistRefusesToStart() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-noallow"), directory = scratch.path
        let pair = try CurveKeyPair.generate()
        try CurveCertificate(name: "casepulsed", publicKey: pair.publicKey, secretKey: pair.secretKey).write(to: directory)
        #expect {
            try CurveSecurity.load(
                certificate: directory + "/casepulsed.key_secret", producerKeys: nil, subscriberKeys: nil,
                context: try Context(), logger: Logger(label: "curve-test"))
        } throws: { error in
            "\(error)".contains("refusing to start rather than accept any key")
        }
    }
}
