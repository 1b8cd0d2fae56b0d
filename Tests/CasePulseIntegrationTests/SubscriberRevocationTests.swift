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
            [CurveTests.event(id, producer: "jn-scjg-app")], to: server, keys: try server.keys("jn-scjg-app"))
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

    @Test func aRevokedKeysSnapshotRequestIsRefusedOnItsOpenConnection() async throws {
        let server = try SecuredServer(producers: ["jn-scjg-app"], subscribers: ["dashboard", "wall"])
        let revoked = try Self.snapshotConnection("wall", on: server)
        let kept = try Self.snapshotConnection("dashboard", on: server)
        #expect(Self.isFigures(try Self.ask(revoked)), "answered while listed")
        #expect(Self.isFigures(try Self.ask(kept)))

        #expect(try Self.revoke("wall", from: server).subscribersRemoved == ["wall"])
        // (c) The same connection, opened before the reload: refused, not one figure.
        let refused = try Self.ask(revoked)
        #expect(refused == [.refused(reason: "unauthorized", detail: "the key of this connection is not in the subscriber allowlist")])
        #expect(Self.isFigures(try Self.ask(kept)), "a key still listed is answered")
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
    /// one notice line, and keeps serving the others (ipc endpoints).
    @Test func sighupDropsARevokedSubscriberOfTheDaemon() throws {
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
            try CurveCertificate(name: name, publicKey: client.publicKey, secretKey: client.secretKey).write(to: root + "/subscribers")
            keys[name] = CurveClientKeys(client: client, serverPublicKey: pair.publicKey)
        }
        let daemon = try DaemonProcess(
            arguments: ["--curve-cert", root + "/casepulsed.key_secret", "--subscriber-keys", root + "/subscribers"],
            directory: scratch, waitUntilReady: false)
        defer { daemon.terminate() }
        let context = try Context()
        var ready = false
        for _ in 0..<100 where !ready {
            ready = (try? HashmapClient.snapshot(
                context: context, endpoint: daemon.snapshot, subtree: "/sys/ingest", timeout: .milliseconds(300),
                curve: keys["dashboard"])) != nil
        }
        #expect(ready, "\(daemon.log)")
        let revoked = try WatchedSubscriber(context: context, endpoint: daemon.publish, keys: keys["wall"])
        let kept = try WatchedSubscriber(context: context, endpoint: daemon.publish, keys: keys["dashboard"])
        #expect(try revoked.waitFor(.handshakeSucceeded) && kept.waitFor(.handshakeSucceeded))

        try FileManager.default.removeItem(atPath: root + "/subscribers/wall.key")
        kill(daemon.process.processIdentifier, SIGHUP)
        #expect(try revoked.waitFor(.disconnected), "dropped within 5 s")
        #expect(try revoked.waitFor(.handshakeFailedAuth))
        #expect(try kept.waitFor(.handshakeSucceeded, count: 2), "reconnected")
        #expect(daemon.log.contains("1 subscriber key revoked: dropped every peer of the updates socket ipc://"), "\(daemon.log)")
    }
}
