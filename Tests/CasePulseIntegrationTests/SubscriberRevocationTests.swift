import CasePulseClient
import CasePulseSecurity
import CasePulseServer
import CasePulseTestKit
import CasePulseWire
import Foundation
import Testing
import ZeroMQ

/// Revoking a subscriber key takes effect without a restart: a snapshot request on a connection
/// opened before the reload is refused. In-process servers reload as the daemon does on SIGHUP
/// (``CurveSecurity/reload()``).
@Suite(.serialized) struct SubscriberRevocationTests {
    typealias SecuredServer = CurveTests.SecuredServer

    /// Removes `name`'s key from the subscriber directory and reloads, as SIGHUP does.
    static func revoke(_ name: String, from server: SecuredServer) throws -> AllowlistChange {
        try FileManager.default.removeItem(atPath: "\(server.root)/subscribers/\(name).key")
        return try server.security.reload()
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
}
