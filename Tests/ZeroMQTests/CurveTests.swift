import Testing
import ZeroMQ

@Suite struct CurveTests {
    @Test func generatedKeyPairs() throws {
        let first = try CurveKeyPair.generate()
        let second = try CurveKeyPair.generate()
        #expect(first.publicKey.count == 32)
        #expect(first.secretKey.count == 32)
        #expect(first.publicKeyZ85.utf8.count == 40)
        #expect(first.secretKeyZ85.utf8.count == 40)
        #expect(Z85.decode(first.publicKeyZ85) == first.publicKey)
        #expect(Z85.decode(first.secretKeyZ85) == first.secretKey)
        #expect(first != second)
        #expect(try CurveKeyPair.derive(secretKey: first.secretKey) == first)
        #expect(!first.description.contains(first.secretKeyZ85))
        #expect(throws: ZMQError.self) { try CurveKeyPair(publicKey: [1], secretKey: first.secretKey) }
    }

    /// A CURVE DEALER client talking to a CURVE ROUTER server; with `serverKey` wrong the
    /// handshake fails and nothing arrives.
    private func exchange(server: CurveKeyPair, serverKey: [UInt8]) throws -> [[UInt8]]? {
        let context = try Context()
        let client = try CurveKeyPair.generate()
        let router = try makeSocket(context, .router, timeout: 1_000)
        try router.setCurveServer(true)
        try router.setCurveSecretKey(server.secretKey)
        try router.bind("tcp://127.0.0.1:*")
        #expect(try router.curveServer)

        let dealer = try makeSocket(context, .dealer, timeout: 1_000)
        try dealer.setCurveServerKey(serverKey)
        try dealer.setCurvePublicKey(client.publicKey)
        try dealer.setCurveSecretKey(client.secretKey)
        #expect(try dealer.curveServerKey == serverKey)
        #expect(try dealer.curvePublicKey == client.publicKey)
        #expect(try dealer.curveSecretKey == client.secretKey)
        try dealer.connect(try router.lastEndpoint)

        try dealer.send("secret hello")
        guard let request = try router.receiveMultipart() else { return nil }
        try router.send(multipart: [request[0], bytes("secret reply")])
        #expect(try dealer.receiveMultipart() == [bytes("secret reply")])
        return Array(request.dropFirst())
    }

    @Test func curveDealerRouterExchange() throws {
        let server = try CurveKeyPair.generate()
        #expect(try exchange(server: server, serverKey: server.publicKey) == [bytes("secret hello")])
    }

    @Test func wrongServerKeyGetsNothingThrough() throws {
        let server = try CurveKeyPair.generate()
        let impostor = try CurveKeyPair.generate()
        #expect(try exchange(server: server, serverKey: impostor.publicKey) == nil)
    }
}
