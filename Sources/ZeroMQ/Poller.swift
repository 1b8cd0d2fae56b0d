import CZeroMQ

/// A reusable `zmq_poll` set.
///
/// Build it once with the items of a poll loop, then call ``poll(timeoutMilliseconds:)`` and
/// query each item by its index with ``isReadable(_:)``, ``isWritable(_:)`` or
/// ``returnedEvents(_:)``. Polling does not allocate. The poller keeps its sockets alive.
///
/// Not thread-safe: use it on the thread that owns its sockets.
public final class Poller {
    private var items: [PollItem]
    private var pollItems: [zmq_pollitem_t]

    /// Creates a poller for the given items; their indices are their positions in `items`.
    ///
    /// - Parameter items: The sockets and file descriptors to poll.
    public init(_ items: [PollItem] = []) {
        self.items = []
        self.pollItems = []
        self.items.reserveCapacity(items.count)
        self.pollItems.reserveCapacity(items.count)
        for item in items {
            add(item)
        }
    }

    /// The number of items.
    public var count: Int { items.count }

    /// Adds an item and returns its index.
    ///
    /// - Parameter item: The socket or file descriptor to poll.
    /// - Returns: The index to query after polling.
    @discardableResult
    public func add(_ item: PollItem) -> Int {
        items.append(item)
        pollItems.append(zmq_pollitem_t(
            socket: nil,
            fd: item.fileDescriptor ?? -1,
            events: item.events.rawValue,
            revents: 0
        ))
        return items.count - 1
    }

    /// Changes the events waited for by the item at `index`.
    ///
    /// - Parameters:
    ///   - index: The item's index.
    ///   - events: The new events.
    public func setEvents(_ events: PollEvents, at index: Int) {
        items[index].events = events
        pollItems[index].events = events.rawValue
    }

    /// Waits until at least one item is ready or the timeout expires (`zmq_poll`).
    ///
    /// - Parameter timeoutMilliseconds: `0` returns at once, `-1` waits without limit.
    /// - Returns: The number of ready items; `0` on timeout or when interrupted by a signal
    ///   (`EINTR`).
    /// - Throws: ``ZMQError``: `ENOTSOCK` if a socket of the set was closed, `ETERM` if its
    ///   context was terminated.
    public func poll(timeoutMilliseconds: Int) throws(ZMQError) -> Int {
        for index in items.indices {
            pollItems[index].revents = 0
            if let socket = items[index].socket {
                guard let handle = socket.handle else {
                    throw ZMQError(errno: ENOTSOCK, operation: "poll (item \(index))")
                }
                pollItems[index].socket = handle
            }
        }
        let result = pollItems.withUnsafeMutableBufferPointer { buffer in
            zmq_poll(buffer.baseAddress, Int32(buffer.count), timeoutMilliseconds)
        }
        if result < 0 {
            let error = ZMQError.last("poll")
            if error.errno == EINTR {
                return 0
            }
            throw error
        }
        return Int(result)
    }

    /// The events that were ready for the item at `index` after the last poll.
    ///
    /// - Parameter index: The item's index.
    /// - Returns: The ready events.
    public func returnedEvents(_ index: Int) -> PollEvents {
        PollEvents(rawValue: pollItems[index].revents)
    }

    /// Whether the item at `index` was readable after the last poll.
    ///
    /// - Parameter index: The item's index.
    /// - Returns: `true` if a message (or data) can be received without blocking.
    public func isReadable(_ index: Int) -> Bool {
        returnedEvents(index).contains(.readable)
    }

    /// Whether the item at `index` was writable after the last poll.
    ///
    /// - Parameter index: The item's index.
    /// - Returns: `true` if a message (or data) can be sent without blocking.
    public func isWritable(_ index: Int) -> Bool {
        returnedEvents(index).contains(.writable)
    }
}

@available(*, unavailable)
extension Poller: Sendable {}
