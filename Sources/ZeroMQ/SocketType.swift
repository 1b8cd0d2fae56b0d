import CZeroMQ

/// The ZeroMQ socket types (`ZMQ_PAIR` … `ZMQ_STREAM`).
public enum SocketType: Sendable, Hashable, CaseIterable {
    /// `ZMQ_PAIR`: exclusive pair, typically over `inproc`.
    case pair
    /// `ZMQ_PUB`: publisher.
    case pub
    /// `ZMQ_SUB`: subscriber.
    case sub
    /// `ZMQ_REQ`: strict request-reply client.
    case req
    /// `ZMQ_REP`: strict request-reply server.
    case rep
    /// `ZMQ_DEALER`: asynchronous request side, load balancing outgoing messages.
    case dealer
    /// `ZMQ_ROUTER`: asynchronous reply side, prefixing messages with the peer's routing id.
    case router
    /// `ZMQ_PULL`: pipeline receiver.
    case pull
    /// `ZMQ_PUSH`: pipeline sender.
    case push
    /// `ZMQ_XPUB`: publisher that receives subscription messages.
    case xpub
    /// `ZMQ_XSUB`: subscriber that sends subscription messages.
    case xsub
    /// `ZMQ_STREAM`: raw TCP peer.
    case stream

    /// The libzmq constant for this type.
    public var rawValue: Int32 {
        switch self {
        case .pair: ZMQ_PAIR
        case .pub: ZMQ_PUB
        case .sub: ZMQ_SUB
        case .req: ZMQ_REQ
        case .rep: ZMQ_REP
        case .dealer: ZMQ_DEALER
        case .router: ZMQ_ROUTER
        case .pull: ZMQ_PULL
        case .push: ZMQ_PUSH
        case .xpub: ZMQ_XPUB
        case .xsub: ZMQ_XSUB
        case .stream: ZMQ_STREAM
        }
    }
}
