import CasePulseClient
import Foundation
import Testing
import ZeroMQ

/// A snapshot whose key the daemon refuses ends with one clear error once the refusals have gone
/// on for the grace, whether the handshakes are denied (a key not listed) or the requests are
/// answered `["NACK", "unauthorized", …]` (a connection whose key a reload revoked); a key that is
/// back within the grace gets its snapshot. Real sockets: the in-process daemon with CURVE, and
/// ``FakeCloneServer`` for refusals that stop at a chosen moment.
@Suite struct KeyRefusalTests {
    @Test func aSnapshotAnsweredNackUnauthorizedForTheGraceEndsWithTheKeyRefused() throws {
        let server = try FakeCloneServer()
        defer { server.stop() }
        server.set("/m/all/@all", #"{"filed":1}"#)
        server.refusesSnapshots = true
        let context = try Context()
        let started = ContinuousClock.now
        var failure: CasePulseClientError?
        do {
            _ = try HashmapClient.snapshot(
                context: context, endpoint: server.snapshot, subtree: "/m/", timeout: .seconds(5),
                keyRefusalGrace: .seconds(1))
        } catch {
            failure = error
        }
        let took = ContinuousClock.now - started
        guard case .subscriberKeyRefused(let endpoint, let clientKey, let evidence)? = failure else {
            Issue.record("expected the key refused, got \(String(describing: failure))")
            return
        }
        #expect(endpoint == server.snapshot)
        #expect(clientKey == nil)
        #expect(evidence.hasPrefix(
            "every snapshot request answered NACK unauthorized (the key of this connection is not in the subscriber allowlist) for 1."),
            "\(evidence)")
        #expect(took >= .seconds(1) && took < .seconds(3), "\(took)")
        #expect(server.snapshotRequests >= 3, "asked again meanwhile: \(server.snapshotRequests)")
        #expect("\(CasePulseClientError.subscriberKeyRefused(endpoint: endpoint, clientKey: nil, evidence: evidence))"
            == "the server at \(endpoint) refused this client (\(evidence)); it runs CURVE: give --curve-cert and "
            + "--server-key, with a key listed in casepulsed's --subscriber-keys")
    }

    @Test func aSnapshotRefusedForAMomentIsTakenOnceTheKeyIsBack() throws {
        let server = try FakeCloneServer()
        defer { server.stop() }
        server.set("/m/all/@all", #"{"filed":1}"#)
        server.refusesSnapshots = true
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.6) { server.refusesSnapshots = false }
        let snapshot = try HashmapClient.snapshot(
            context: try Context(), endpoint: server.snapshot, subtree: "/m/", timeout: .seconds(5),
            keyRefusalGrace: .seconds(2))
        #expect(snapshot.entries["/m/all/@all"]?.value == #"{"filed":1}"#)
        #expect(server.snapshotRequests >= 2)
    }

    /// A key in no list: every handshake is denied (ZAP 400) and libzmq would not try again; the
    /// snapshot connects again every 250 ms and ends with the key refused at the grace, well
    /// before its timeout.
    @Test func anUnlistedKeysSnapshotEndsWithTheKeyRefusedNotATimeout() async throws {
        let server = try CurveTests.SecuredServer(producers: [], subscribers: ["dashboard"], others: ["stranger"])
        let stranger = try server.keys("stranger")
        let started = ContinuousClock.now
        var failure: CasePulseClientError?
        do {
            _ = try HashmapClient.snapshot(
                context: server.context, endpoint: server.snapshot, subtree: "/sys/", timeout: .seconds(10), curve: stranger)
        } catch {
            failure = error
        }
        let took = ContinuousClock.now - started
        guard case .subscriberKeyRefused(let endpoint, let clientKey, let evidence)? = failure else {
            Issue.record("expected the key refused, got \(String(describing: failure))")
            await server.stop()
            return
        }
        #expect(endpoint == server.snapshot)
        #expect(clientKey == stranger.client.publicKeyZ85)
        #expect(evidence.hasPrefix("ZAP status 400 on every handshake for 2."), "\(evidence)")
        #expect(took >= HashmapClient.defaultKeyRefusalGrace && took < .seconds(5), "\(took)")
        #expect(server.security.statistics.denied[.snapshot, default: 0] >= 3, "it tried again meanwhile")
        await server.stop()
    }
}
