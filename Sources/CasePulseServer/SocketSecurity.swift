import ZeroMQ

/// The role of one of the server's sockets, for ``SocketSecurity``.
public enum EndpointRole: String, Sendable, CaseIterable {
    /// The CHP snapshot ROUTER.
    case snapshot
    /// The CHP update PUB.
    case publish
    /// The best-effort ingest SUB.
    case ingest
    /// The reliable ingest ROUTER.
    case reliable
}

/// How the server secures its sockets and tells who sent an event (CURVE + ZAP, for instance).
///
/// The server calls ``configure(_:role:)`` on its own thread for every socket before binding or
/// connecting it, and ``identity(of:)`` for every ingest message it decodes; an event whose
/// `producer` is not the identity returned is refused as `unauthorized`. It calls
/// ``subscriberIdentity(of:)`` for every snapshot request, and refuses the request when it gets
/// `nil`. When it starts it registers with ``onSubscribersRevoked(_:)``, and drops every peer of
/// its updates socket whenever subscriber keys are revoked.
public protocol SocketSecurity: Sendable {
    /// Sets the security options of `socket` (e.g. `ZMQ_CURVE_SERVER`, the secret key, the ZAP
    /// domain) before it is bound or connected.
    func configure(_ socket: Socket, role: EndpointRole) throws(ZMQError)

    /// The authenticated identity of the peer that sent `frame` (a frame of an ingest message), or
    /// `nil` when the transport says nothing (then the event is refused as `unauthorized`).
    func identity(of frame: Message) -> String?

    /// The authenticated subscriber that sent `frame` (a frame of a snapshot request), as long as
    /// it may still read figures; `nil` otherwise (then the request is refused as `unauthorized`).
    func subscriberIdentity(of frame: Message) -> String?

    /// Registers `action`, to be called — on any thread — each time a reload removes subscriber
    /// keys, with how many it removed.
    func onSubscribersRevoked(_ action: @escaping @Sendable (_ revoked: Int) -> Void)
}
