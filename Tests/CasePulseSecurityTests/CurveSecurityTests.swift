import CasePulseSecurity
import CasePulseServer
import CasePulseTestKit
import Foundation
import Logging
import Testing
import ZeroMQ

/// CurveSecurity on real CURVE sockets: which keys the ZAP handler admits on which socket, the
/// identity it vouches for, reloads, and what it refuses to start with.
@Suite struct CurveSecurityTests {
    let logger = Logger(label: "test")

    /// A CURVE client DEALER with `pair`, connected to `endpoint`, 1 s timeouts.
    private func client(_ context: Context, _ pair: CurveKeyPair, server: [UInt8], endpoint: String) throws -> Socket {
        let socket = try Socket(context, .dealer)
        try socket.setLinger(0)
        try socket.setReceiveTimeout(1000)
        try socket.setSendTimeout(1000)
        try socket.setCurveServerKey(server)
        try socket.setCurvePublicKey(pair.publicKey)
        try socket.setCurveSecretKey(pair.secretKey)
        try socket.connect(endpoint)
        return socket
    }

    /// Sends one frame from `client`; returns the body frame the router got, or nil within 1 s.
    private func deliver(_ client: Socket, to router: Socket, _ text: String = "hello") throws -> Message? {
        _ = try client.send(Array(text.utf8), dontWait: true)
        let frames = [Message(), Message()]
        guard let count = try router.receiveMultipart(into: frames), count == 2 else { return nil }
        return frames[1]
    }

    private func router(_ context: Context, _ security: CurveSecurity, role: EndpointRole) throws -> Socket {
        let socket = try Socket(context, .router)
        try socket.setLinger(0)
        try socket.setReceiveTimeout(1000)
        try security.configure(socket, role: role)
        try socket.bind("tcp://127.0.0.1:*")
        return socket
    }

    /// CurveSecurity with `keys`' certificate and producer directory, and no subscriber keys.
    private func producerSecurity(_ keys: KeyFixture, _ context: Context) throws(CurveSecurityError) -> CurveSecurity {
        try CurveSecurity.load(
            certificate: keys.certificate, producerKeys: keys.producers, subscriberKeys: nil, context: context, logger: logger)
    }

    /// Waits up to 3 s for `condition`.
    private func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// PROTOCOL.md §6.3 / README: the daemon's secret certificate should be 0600; loading one that
    /// others can read starts (the key is the operator's to keep) but warns, naming the file and
    /// its mode; a 0600 one loads silently.
    @Test func aSecretCertificateOthersCanReadIsWarnedAbout() async throws {
        let keys = try KeyFixture()
        try keys.add("jn-app", to: keys.producers)
        func warnings(mode: mode_t) async throws -> [String] {
            #expect(chmod(keys.certificate, mode) == 0)
            let log = RecordingLogHandler()
            let security = try CurveSecurity.load(
                certificate: keys.certificate, producerKeys: keys.producers, subscriberKeys: nil, context: try Context(),
                logger: log.logger())
            await security.stop()
            return log.lines.filter { $0.level == .warning }.map(\.message)
        }
        #expect(try await warnings(mode: 0o600).isEmpty)
        let exposed = try await warnings(mode: 0o644)
        #expect(exposed == ["certificate \(keys.certificate) is readable by others (mode 644): chmod 600 it"], "\(exposed)")
    }

    @Test func admitsEachKeyOnlyOnItsOwnSockets() async throws {
        let keys = try KeyFixture()
        let producer = try keys.add("jn-scjg-app", to: keys.producers)
        let subscriber = try keys.add("dashboard", to: keys.subscribers)
        let stranger = try keys.add("stranger", to: nil)
        let context = try Context()
        let security = try CurveSecurity.load(
            certificate: keys.certificate, producerKeys: keys.producers, subscriberKeys: keys.subscribers,
            context: context, logger: logger)
        do {
            let reliable = try router(context, security, role: .reliable)
            let snapshot = try router(context, security, role: .snapshot)
            let reliableEndpoint = try reliable.lastEndpoint
            let snapshotEndpoint = try snapshot.lastEndpoint

            let fromProducer = try deliver(try client(context, producer, server: keys.server.publicKey, endpoint: reliableEndpoint), to: reliable)
            #expect(fromProducer.flatMap(security.identity(of:)) == "jn-scjg-app")
            #expect(fromProducer?.property("User-Id") == "jn-scjg-app")
            #expect(try deliver(try client(context, subscriber, server: keys.server.publicKey, endpoint: reliableEndpoint), to: reliable) == nil)
            #expect(try deliver(try client(context, stranger, server: keys.server.publicKey, endpoint: reliableEndpoint), to: reliable) == nil)

            let fromSubscriber = try deliver(try client(context, subscriber, server: keys.server.publicKey, endpoint: snapshotEndpoint), to: snapshot)
            #expect(fromSubscriber != nil)
            #expect(fromSubscriber.flatMap(security.identity(of:)) == nil, "a subscriber is no producer")
            #expect(try deliver(try client(context, producer, server: keys.server.publicKey, endpoint: snapshotEndpoint), to: snapshot) == nil)

            // The right client key but the wrong server key: the handshake fails before ZAP.
            let wrongServer = try CurveKeyPair.generate().publicKey
            #expect(try deliver(try client(context, producer, server: wrongServer, endpoint: reliableEndpoint), to: reliable) == nil)
            // No CURVE at all.
            let plain = try Socket(context, .dealer)
            try plain.setLinger(0)
            try plain.connect(reliableEndpoint)
            #expect(try deliver(plain, to: reliable) == nil)

            let statistics = security.statistics
            #expect(statistics.admitted[.reliable] == 1)
            #expect(statistics.admitted[.snapshot] == 1)
            // Denied clients retry their handshake now and then; each retry is denied and counted.
            #expect(statistics.denied[.reliable, default: 0] >= 2)
            #expect(statistics.denied[.snapshot, default: 0] >= 1)
            #expect(eventually { security.statistics.failed[.reliable, default: 0] >= 2 }, "\(security.statistics)")
        }
        await security.stop()
    }

    @Test func reloadCutsOffARevokedProducer() async throws {
        let keys = try KeyFixture()
        let producer = try keys.add("jn-zrzy-app", to: keys.producers)
        let context = try Context()
        let security = try producerSecurity(keys, context)
        do {
            let reliable = try router(context, security, role: .reliable)
            let endpoint = try reliable.lastEndpoint
            let connected = try client(context, producer, server: keys.server.publicKey, endpoint: endpoint)
            #expect(try deliver(connected, to: reliable).flatMap(security.identity(of:)) == "jn-zrzy-app")

            let newcomer = try keys.add("jn-sthj-app", to: keys.producers)
            try keys.revoke("jn-zrzy-app", from: keys.producers)
            let change = try security.reload()
            #expect(change.producersRemoved == ["jn-zrzy-app"])
            #expect(change.producersAdded == ["jn-sthj-app"])

            // The open connection still delivers, but nobody vouches for it any more.
            let after = try deliver(connected, to: reliable)
            #expect(after != nil)
            #expect(after.flatMap(security.identity(of:)) == nil)
            // A new handshake with the revoked key fails; the new key gets in.
            #expect(try deliver(try client(context, producer, server: keys.server.publicKey, endpoint: endpoint), to: reliable) == nil)
            #expect(try deliver(try client(context, newcomer, server: keys.server.publicKey, endpoint: endpoint), to: reliable)
                .flatMap(security.identity(of:)) == "jn-sthj-app")
        }
        await security.stop()
    }

    @Test func aFailedReloadKeepsTheAllowlistsInForce() async throws {
        let keys = try KeyFixture()
        try keys.add("jn-app", to: keys.producers)
        let context = try Context()
        let security = try producerSecurity(keys, context)
        try "curve\n    public-key = \"broken\"\n".write(toFile: keys.producers + "/broken.key", atomically: true, encoding: .utf8)
        #expect(throws: CurveSecurityError.self) { try security.reload() }
        #expect(security.allowlists.producers?.names.values.sorted() == ["jn-app"])
        await security.stop()
    }

    @Test func reloadCanMoveToOtherDirectoriesButNotToNone() async throws {
        let keys = try KeyFixture()
        try keys.add("jn-app", to: keys.producers)
        try keys.add("dashboard", to: keys.subscribers)
        let context = try Context()
        let security = try producerSecurity(keys, context)
        #expect(throws: CurveSecurityError.self) { try security.reload(producerKeys: nil, subscriberKeys: nil) }
        #expect(security.producerKeysPath == keys.producers)
        let change = try security.reload(producerKeys: nil, subscriberKeys: keys.subscribers)
        #expect(change.producersRemoved == ["jn-app"] && change.subscribersAdded == ["dashboard"])
        #expect(security.allowlists.producers == nil)
        #expect(security.subscriberKeysPath == keys.subscribers)
        #expect("\(security.allowlists)" == "no producers, 1 subscriber key from \(keys.subscribers)")
        await security.stop()
    }

    @Test func refusesToStartWithoutAnAllowlistOrWithBadFiles() throws {
        let keys = try KeyFixture()
        let context = try Context()
        func load(_ certificate: String, _ producers: String?, _ subscribers: String?) -> String? {
            do {
                let security = try CurveSecurity.load(
                    certificate: certificate, producerKeys: producers, subscriberKeys: subscribers, context: context, logger: logger)
                _ = security
                return nil
            } catch {
                return error.description
            }
        }
        #expect(load(keys.certificate, nil, nil)?.contains("refusing to start rather than accept any key") == true)
        #expect(load(keys.root + "/missing.key_secret", keys.producers, nil)?.contains("No such file") == true)
        #expect(load(keys.root + "/server.key", keys.producers, nil)?.contains("no secret-key") == true)
        #expect(load(keys.certificate, keys.root + "/missing", nil)?.contains("cannot read key directory") == true)

        try "not a certificate\n".write(toFile: keys.root + "/junk.key_secret", atomically: true, encoding: .utf8)
        #expect(load(keys.root + "/junk.key_secret", keys.producers, nil)?.contains("line 1") == true)

        #expect(throws: CurveCertificateError.self, "a certificate without a secret key is not written") {
            try CurveCertificate(name: "public-only", publicKey: keys.server.publicKey).write(to: keys.clients)
        }
    }

    @Test func oneKeyOneIdentity() throws {
        let keys = try KeyFixture()
        let pair = try keys.add("twin-a", to: keys.producers)
        try FileManager.default.copyItem(atPath: keys.producers + "/twin-a.key", toPath: keys.producers + "/twin-b.key")
        #expect(throws: CurveSecurityError.self) { try KeyDirectory.read(keys.producers) }
        try FileManager.default.removeItem(atPath: keys.producers + "/twin-b.key")
        try FileManager.default.copyItem(atPath: keys.producers + "/twin-a.key", toPath: keys.producers + "/bad name.key")
        try FileManager.default.removeItem(atPath: keys.producers + "/twin-a.key")
        #expect(throws: CurveSecurityError.self) { try KeyDirectory.read(keys.producers) }
        try FileManager.default.removeItem(atPath: keys.producers + "/bad name.key")
        try FileManager.default.copyItem(atPath: keys.clients + "/twin-a.key_secret", toPath: keys.producers + "/twin-a.key_secret")
        #expect(try KeyDirectory.read(keys.producers).names.isEmpty, "secret certificates are not allowlist entries")
        _ = pair
    }

    /// Protocols/PROTOCOL.md §6.3 Certificates: in a key directory "`*.key_secret` and hidden
    /// files are ignored". A valid public certificate renamed `.wall.key` is neither listed nor
    /// admitted, while the one beside it is both.
    @Test func aHiddenCertificateIsNeitherListedNorAdmitted() async throws {
        let keys = try KeyFixture()
        let listed = try keys.add("jn-app", to: keys.producers)
        let hidden = try keys.add("wall", to: keys.producers)
        try FileManager.default.moveItem(atPath: keys.producers + "/wall.key", toPath: keys.producers + "/.wall.key")
        #expect(try KeyDirectory.read(keys.producers).names == [listed.publicKey: "jn-app"])
        let context = try Context()
        let security = try producerSecurity(keys, context)
        do {
            let reliable = try router(context, security, role: .reliable)
            let endpoint = try reliable.lastEndpoint
            #expect(try deliver(try client(context, hidden, server: keys.server.publicKey, endpoint: endpoint), to: reliable) == nil)
            let fromListed = try deliver(try client(context, listed, server: keys.server.publicKey, endpoint: endpoint), to: reliable)
            #expect(fromListed.flatMap(security.identity(of:)) == "jn-app")
        }
        await security.stop()
    }

    @Test func secondHandlerInTheSameContextIsRefused() async throws {
        let keys = try KeyFixture()
        try keys.add("jn-app", to: keys.producers)
        let context = try Context()
        let first = try producerSecurity(keys, context)
        #expect(throws: CurveSecurityError.self) {
            try producerSecurity(keys, context)
        }
        await first.stop()
    }
}
