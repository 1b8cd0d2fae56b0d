import CasePulseClient
import CasePulseSecurity
import CasePulseServer
import CasePulseTestKit
import CasePulseWire
import Foundation
import Testing
import ZeroMQ

/// Revoking a subscriber key takes effect without a restart: the reload drops every peer of the
/// updates socket — the revoked key cannot get back in, the keys still listed reconnect and our
/// client takes its snapshots again — and a snapshot request on a connection opened before the
/// reload is refused. A reload that revokes no subscriber disturbs no one. In-process servers
/// reload as the daemon does on SIGHUP (``CurveSecurity/reload()``); the last test sends SIGHUP to
/// a real casepulsed.
@Suite(.serialized) struct SubscriberRevocationTests {
    typealias SecuredServer = CurveTests.SecuredServer

    /// Sends one event reliably and expects it accepted.
    static func send(_ id: String, to server: SecuredServer) throws {
        let report = try CurveTests.sendReliably(
            [Filing.event(id, producer: "jn-scjg-app")], to: server, keys: try server.keys("jn-scjg-app"))
        #expect(report?.accepted == 1, "event \(id)")
    }

    /// Removes `name`'s key from the subscriber directory and reloads, as SIGHUP does.
    static func revoke(_ name: String, from server: SecuredServer) throws -> AllowlistChange {
        try FileManager.default.removeItem(atPath: "\(server.root)/subscribers/\(name).key")
        return try server.security.reload()
    }

    @Test func aRevokedSubscriberIsDroppedWhileAKeptOneReconnects() async throws {
        let server = try SecuredServer(producers: ["jn-scjg-app"], subscribers: ["dashboard", "wall"])
        let revoked = try WatchedSubscriber(
            context: server.context, endpoint: server.publish, prefixes: ["/m/all/@all"], keys: try server.keys("wall"))
        let kept = try HashmapClient(
            context: server.context, snapshotEndpoint: server.snapshot, publishEndpoint: server.publish,
            subtree: "/m/all/", curve: try server.keys("dashboard"))
        #expect(try revoked.waitFor(.handshakeSucceeded))
        try Self.send("v1", to: server)
        #expect(try revoked.updates(timeout: .seconds(5), until: { !$0.isEmpty }).map(\.key) == ["/m/all/@all"])
        #expect(try kept.poll(until: { $0["/m/all/@all"]?.contains(#""filed":1,"#) == true }, timeout: .seconds(5)))

        #expect(try Self.revoke("wall", from: server).subscribersRemoved == ["wall"])
        // (a) The revoked subscriber's connection is closed, and its key cannot get back in.
        #expect(try revoked.waitFor(.disconnected), "dropped within 5 s")
        #expect(try revoked.waitFor(.handshakeFailedAuth), "its reconnect is refused")
        try Self.send("v2", to: server)
        // (b) The kept subscriber reconnects and, having missed v2 meanwhile, takes its snapshot again.
        #expect(try kept.poll(until: { $0["/m/all/@all"]?.contains(#""filed":2,"#) == true }, timeout: .seconds(10)))
        #expect(kept.resynchronizations >= 1)
        try Self.send("v3", to: server)
        #expect(try kept.poll(until: { $0["/m/all/@all"]?.contains(#""filed":3,"#) == true }, timeout: .seconds(5)))
        #expect(try revoked.updates(timeout: .seconds(1)).isEmpty, "nothing reaches the revoked key after the drop")
        kept.close()
        await server.stop()
    }

    /// A DEALER on the snapshot endpoint with `name`'s key, connected now.
    static func snapshotConnection(_ name: String, on server: SecuredServer) throws -> Socket {
        let dealer = try Socket(server.context, .dealer)
        try dealer.setLinger(0)
        try dealer.setReceiveTimeout(5000)
        try server.keys(name).apply(to: dealer)
        try dealer.connect(server.snapshot)
        return dealer
    }

    /// Asks for `/sys/` on `dealer` and returns every command of the answer, up to `KTHXBAI` or a
    /// `NACK`; empty when nothing came within 5 s.
    static func ask(_ dealer: Socket) throws -> [ClusteredHashmap.Command] {
        _ = try dealer.send(multipart: [Array(ClusteredHashmap.snapshotRequest.utf8), Array("/sys/".utf8)])
        var answer: [ClusteredHashmap.Command] = []
        while let frames = try dealer.receiveMultipart() {
            guard let command = ClusteredHashmap.Command(frames: frames) else { break }
            answer.append(command)
            switch command {
            case .snapshotEnd, .refused: return answer
            case .keyValue, .heartbeat: continue
            }
        }
        return answer
    }

    static func isFigures(_ answer: [ClusteredHashmap.Command]) -> Bool {
        guard case .snapshotEnd? = answer.last else { return false }
        return answer.contains { if case .keyValue(key: "/sys/ingest", _, _) = $0 { true } else { false } }
    }

    /// The value of `key` in a snapshot answer, if it holds the key.
    static func value(of key: String, in answer: [ClusteredHashmap.Command]) -> String? {
        for command in answer {
            if case .keyValue(key, _, let value) = command { return value }
        }
        return nil
    }

    @Test func aRevokedKeysSnapshotRequestIsRefusedOnItsOpenConnection() async throws {
        let server = try SecuredServer(producers: ["jn-scjg-app"], subscribers: ["dashboard", "wall"])
        let revoked = try Self.snapshotConnection("wall", on: server)
        let kept = try Self.snapshotConnection("dashboard", on: server)
        #expect(Self.isFigures(try Self.ask(revoked)), "answered while listed")
        let before = try Self.ask(kept)
        #expect(Self.isFigures(before))
        #expect(Self.value(of: "/sys/snapshots", in: before) == #"{"refused":0}"#)
        let health = try HashmapClient(
            context: server.context, snapshotEndpoint: server.snapshot, publishEndpoint: server.publish,
            subtree: "/sys/", curve: try server.keys("dashboard"))
        defer { health.close() }
        #expect(health.values["/sys/snapshots"] == #"{"refused":0}"#)

        #expect(try Self.revoke("wall", from: server).subscribersRemoved == ["wall"])
        // The reload dropped every subscriber: let the health watcher get back in first.
        #expect(try health.poll(until: { _ in health.resynchronizations == 1 }, timeout: .seconds(10)))
        // (c) The same connection, opened before the reload: refused, not one figure.
        let refused = try Self.ask(revoked)
        #expect(refused == [.refused(reason: "unauthorized", detail: "the key of this connection is not in the subscriber allowlist")])
        // The refusal is published live under /sys/snapshots (an update newer than the watcher's
        // snapshot, not a snapshot taken again), and is in every later snapshot.
        #expect(try health.poll(until: { $0["/sys/snapshots"] == #"{"refused":1}"# }, timeout: .seconds(5)))
        #expect(health.resynchronizations == 1)
        let after = try Self.ask(kept)
        #expect(Self.isFigures(after), "a key still listed is answered")
        #expect(Self.value(of: "/sys/snapshots", in: after) == #"{"refused":1}"#)
        var counted: Int64 = 0
        for _ in 0..<50 where counted == 0 {
            counted = server.server.status.snapshotsRefused
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(counted == 1)
        // A new connection with the revoked key does not even complete its handshake.
        #expect(try CurveTests.canRead(server, keys: try server.keys("wall")) == false)
        revoked.close()
        kept.close()
        await server.stop()
    }

    @Test func aReloadThatRevokesNoSubscriberDisturbsNone() async throws {
        let server = try SecuredServer(producers: ["jn-scjg-app"], subscribers: ["dashboard", "spare"], others: ["newcomer"])
        let watched = try WatchedSubscriber(
            context: server.context, endpoint: server.publish, prefixes: ["/m/all/@all"], keys: try server.keys("dashboard"))
        #expect(try watched.waitFor(.handshakeSucceeded))
        try await Task.sleep(for: .milliseconds(300))  // the subscription reaches the daemon
        _ = try watched.drainEvents()
        try Self.send("d0", to: server)
        #expect(try watched.updates(timeout: .seconds(5), until: { !$0.isEmpty }).count == 1)

        try FileManager.default.copyItem(
            atPath: server.root + "/clients/newcomer.key", toPath: server.root + "/subscribers/newcomer.key")
        let added = try server.security.reload()
        #expect(added.subscribersAdded == ["newcomer"] && added.subscribersRemoved.isEmpty)
        #expect(try server.security.reload().isEmpty)
        // (d) Every update of every event sent after those reloads arrives, over the same connection.
        for index in 1...5 { try Self.send("d\(index)", to: server) }
        let updates = try watched.updates(timeout: .seconds(5), until: { $0.count == 5 })
        #expect(updates.count == 5)
        #expect(updates.map(\.sequence) == updates.map(\.sequence).sorted())
        #expect(!(try watched.drainEvents()).contains(.disconnected), "never dropped")

        // The control: revoking a key nobody uses does drop it (and it reconnects).
        #expect(try Self.revoke("spare", from: server).subscribersRemoved == ["spare"])
        #expect(try watched.waitFor(.disconnected))
        #expect(try watched.waitFor(.handshakeSucceeded, count: 2))
        await server.stop()
    }

    /// The daemon itself: SIGHUP after removing a key drops the connected subscriber, says so in
    /// one notice line, and keeps serving the others (ipc endpoints); a snapshot request on the
    /// revoked key's open connection is refused and shows in `/sys/snapshots` and in `STATUS=`.
    /// A real casepulsed with CURVE on ipc endpoints whose subscriber keys are `dashboard` and
    /// `wall` (certificates in `root/clients`, public ones listed in `root/subscribers`), answering.
    static func curveDaemon(environment: [String: String] = [:]) throws
        -> (daemon: DaemonProcess, root: String, keys: [String: CurveClientKeys], context: Context)
    {
        let scratch = try TemporaryDirectory(prefix: "casepulse-revoke")
        let root = scratch.path
        for directory in ["/producers", "/subscribers", "/clients"] {
            try FileManager.default.createDirectory(atPath: root + directory, withIntermediateDirectories: true)
        }
        let pair = try CurveKeyPair.generate()
        try CurveCertificate(name: "casepulsed", publicKey: pair.publicKey, secretKey: pair.secretKey).write(to: root)
        var keys: [String: CurveClientKeys] = [:]
        for name in ["dashboard", "wall"] {
            let client = try CurveKeyPair.generate()
            try CurveCertificate(name: name, publicKey: client.publicKey, secretKey: client.secretKey).write(to: root + "/clients")
            try FileManager.default.copyItem(atPath: "\(root)/clients/\(name).key", toPath: "\(root)/subscribers/\(name).key")
            keys[name] = CurveClientKeys(client: client, serverPublicKey: pair.publicKey)
        }
        let daemon = try DaemonProcess(
            arguments: ["--curve-cert", root + "/casepulsed.key_secret", "--subscriber-keys", root + "/subscribers"],
            directory: scratch, waitUntilReady: false, environment: environment)
        let context = try Context()
        var ready = false
        for _ in 0..<100 where !ready {
            ready = (try? HashmapClient.snapshot(
                context: context, endpoint: daemon.snapshot, subtree: "/sys/ingest", timeout: .milliseconds(300),
                curve: keys["dashboard"])) != nil
        }
        #expect(ready, "\(daemon.log)")
        return (daemon, root, keys, context)
    }

    @Test func sighupDropsARevokedSubscriberOfTheDaemon() throws {
        let notify = try NotifySocket()
        let (daemon, root, keys, context) = try Self.curveDaemon(environment: ["NOTIFY_SOCKET": notify.path])
        defer { daemon.terminate() }
        let revoked = try WatchedSubscriber(context: context, endpoint: daemon.publish, keys: keys["wall"])
        let kept = try WatchedSubscriber(context: context, endpoint: daemon.publish, keys: keys["dashboard"])
        #expect(try revoked.waitFor(.handshakeSucceeded) && kept.waitFor(.handshakeSucceeded))
        let wallSnapshots = try Socket(context, .dealer)
        defer { wallSnapshots.close(linger: 0) }
        try wallSnapshots.setReceiveTimeout(5000)
        try #require(keys["wall"]).apply(to: wallSnapshots)
        try wallSnapshots.connect(daemon.snapshot)
        #expect(Self.isFigures(try Self.ask(wallSnapshots)), "answered while listed")

        try FileManager.default.removeItem(atPath: root + "/subscribers/wall.key")
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(try revoked.waitFor(.disconnected), "dropped within 5 s")
        #expect(try revoked.waitFor(.handshakeFailedAuth))
        #expect(try kept.waitFor(.handshakeSucceeded, count: 2), "reconnected")
        #expect(daemon.log.contains("1 subscriber key revoked: dropped every peer of the updates socket ipc://"), "\(daemon.log)")

        // Asking again on the connection opened before the reload: refused, and counted where an
        // operator looks — the /sys/snapshots key and systemd's status line.
        #expect(try Self.ask(wallSnapshots).first == .refused(
            reason: "unauthorized", detail: "the key of this connection is not in the subscriber allowlist"))
        var figures: String?
        for _ in 0..<50 where figures != #"{"refused":1}"# {
            figures = try? HashmapClient.snapshot(
                context: context, endpoint: daemon.snapshot, subtree: "/sys/snapshots", timeout: .seconds(2),
                curve: keys["dashboard"]).entries["/sys/snapshots"]?.value
            if figures != #"{"refused":1}"# { usleep(100_000) }
        }
        #expect(figures == #"{"refused":1}"#, "\(daemon.log)")
        var status: String?
        let deadline = ContinuousClock.now + .seconds(10)
        while status == nil, ContinuousClock.now < deadline {
            status = notify.receive(timeout: .milliseconds(500))?.assignments.first {
                $0.hasPrefix("STATUS=") && $0.hasSuffix(", 1 snapshot refused")
            }
        }
        #expect(status != nil, "no STATUS= line counting the refused snapshot; log:\n\(daemon.log)")
        // PROTOCOL.md §5.1: and logged at notice, naming the subscriber.
        #expect(daemon.log.split(separator: "\n").contains {
            $0.contains("NOTICE") && $0.contains("refused a snapshot request from subscriber 'wall': its key is not in the subscriber allowlist")
        }, "log:\n\(daemon.log)")
    }

    /// Polls `client` until it fails or `bound` passes; the failure, if any.
    static func failure(of client: HashmapClient, within bound: Duration) -> CasePulseClientError? {
        let deadline = ContinuousClock.now + bound
        while ContinuousClock.now < deadline {
            do { _ = try client.poll(timeout: .milliseconds(100)) } catch { return error }
        }
        return nil
    }

    /// A ``HashmapClient`` whose key a reload removes does not retry its handshake forever: once
    /// its reconnects have been refused for the grace it ends with one clear error naming the
    /// endpoint and its key. A client whose key stays carries on.
    @Test func aRevokedHashmapClientEndsWithItsKeyRefused() async throws {
        let server = try SecuredServer(producers: ["jn-scjg-app"], subscribers: ["dashboard", "wall"])
        let wall = try server.keys("wall")
        let revoked = try HashmapClient(
            context: server.context, snapshotEndpoint: server.snapshot, publishEndpoint: server.publish,
            subtree: "/m/all/", curve: wall)
        let kept = try HashmapClient(
            context: server.context, snapshotEndpoint: server.snapshot, publishEndpoint: server.publish,
            subtree: "/m/all/", curve: try server.keys("dashboard"))
        defer {
            revoked.close()
            kept.close()
        }
        try Self.send("k1", to: server)
        #expect(try revoked.poll(until: { $0["/m/all/@all"]?.contains(#""filed":1,"#) == true }, timeout: .seconds(5)))
        #expect(!revoked.isKeyRefused)

        #expect(try Self.revoke("wall", from: server).subscribersRemoved == ["wall"])
        let revokedAt = ContinuousClock.now
        let failure = Self.failure(of: revoked, within: .seconds(10))
        let took = ContinuousClock.now - revokedAt
        guard case .subscriberKeyRefused(let endpoint, let clientKey, let evidence)? = failure else {
            Issue.record("the revoked client did not end with its key refused within 10 s: \(String(describing: failure))")
            return
        }
        #expect(endpoint == server.publish)
        #expect(clientKey == wall.client.publicKeyZ85)
        #expect(evidence.hasPrefix("ZAP status 400 on every handshake for "), "\(evidence)")
        #expect(took >= HashmapClient.defaultKeyRefusalGrace && took < .seconds(6), "ended \(took) after the reload")
        #expect("\(CasePulseClientError.subscriberKeyRefused(endpoint: endpoint, clientKey: clientKey, evidence: evidence))"
            == "the server at \(server.publish) refused this client's key (CURVE authentication failed: \(evidence)); "
            + "ask the operator to add the public key \(wall.client.publicKeyZ85) to casepulsed's --subscriber-keys directory and reload it")

        try Self.send("k2", to: server)
        #expect(try kept.poll(until: { $0["/m/all/@all"]?.contains(#""filed":2,"#) == true }, timeout: .seconds(10)))
        await server.stop()
    }

    /// A key left out by one reload and put back by the next (a key file replaced, a directory
    /// rewritten) within the grace costs the client nothing but a snapshot taken again.
    @Test func aKeyPutBackWithinTheGraceIsRiddenOut() async throws {
        let server = try SecuredServer(producers: ["jn-scjg-app"], subscribers: ["dashboard", "wall"])
        let wall = try server.keys("wall")
        let client = try HashmapClient(
            context: server.context, snapshotEndpoint: server.snapshot, publishEndpoint: server.publish,
            subtree: "/m/all/", curve: wall, keyRefusalGrace: .seconds(3))
        defer { client.close() }

        #expect(try Self.revoke("wall", from: server).subscribersRemoved == ["wall"])
        let revokedAt = ContinuousClock.now
        var refused = false
        while !refused, ContinuousClock.now < revokedAt + .seconds(2) {
            _ = try client.poll(timeout: .milliseconds(50))
            refused = client.isKeyRefused
        }
        #expect(refused, "its reconnects are refused while the key is out")
        try FileManager.default.copyItem(atPath: server.root + "/clients/wall.key", toPath: server.root + "/subscribers/wall.key")
        #expect(try server.security.reload().subscribersAdded == ["wall"])

        // Well past the grace, counted from the first refusal: still running, back in, following.
        try Self.send("p1", to: server)
        #expect(try client.poll(until: { $0["/m/all/@all"]?.contains(#""filed":1,"#) == true }, timeout: .seconds(10)))
        #expect(!client.isKeyRefused)
        if let failure = Self.failure(of: client, within: revokedAt + .seconds(5) - .now) {
            Issue.record("a key put back within the grace ended the client: \(failure)")
        }
        await server.stop()
    }

    /// `casepulse watch` with a key the daemon then revokes on SIGHUP ends within a few seconds
    /// with exit status 77 and one line naming the endpoint and the key to list; `casepulse
    /// snapshot` with that key ends the same way.
    @Test func aRevokedWatchEndsWithOneLineAndExitStatus77() throws {
        let (daemon, root, keys, _) = try Self.curveDaemon()
        defer { daemon.terminate() }
        let wall = try #require(keys["wall"]).client.publicKeyZ85
        let curve = ["--curve-cert", root + "/clients/wall.key_secret", "--server-key", root + "/casepulsed.key"]
        let watch = try BackgroundProcess(
            DaemonProcess.cliBinary,
            ["watch", "/sys/", "--json", "--snapshot", daemon.snapshot, "--publish", daemon.publish] + curve,
            directory: daemon.directory)
        #expect(watch.waitForOutput(timeout: .seconds(15)) { $0.contains(#""key":"/sys/ingest""#) }, "stderr: \(watch.errors)")

        try FileManager.default.removeItem(atPath: root + "/subscribers/wall.key")
        kill(daemon.process.processIdentifier, SIGHUP)
        let status = watch.waitForExit(timeout: .seconds(10))
        #expect(status == 77, "still running or wrong status; stderr: \(watch.errors)")
        let lines = watch.errors.split(separator: "\n")
        #expect(lines.count == 1, "\(watch.errors)")
        let expected = "casepulse: the server at \(daemon.publish) refused this client's key (CURVE authentication failed: "
            + "ZAP status 400 on every handshake for "
        #expect(lines.first?.hasPrefix(expected) == true, "\(watch.errors)")
        #expect(lines.first?.hasSuffix("ask the operator to add the public key \(wall) to casepulsed's --subscriber-keys directory and reload it") == true)

        let snapshot = try CompletedProcess.run(
            DaemonProcess.cliBinary, ["snapshot", "/sys/", "--snapshot", daemon.snapshot, "--timeout", "5"] + curve)
        #expect(snapshot.status == 77)
        #expect(snapshot.stderr.hasPrefix("casepulse: the server at \(daemon.snapshot) refused this client's key"), "\(snapshot.stderr)")
    }
}
