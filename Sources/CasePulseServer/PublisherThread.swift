import CasePulseCore
import CasePulseWire
import Foundation
import Logging
import ZeroMQ

/// The thread that owns the PUB socket. The server loop hands it each batch of changes — key
/// bytes and figures, already numbered — and it renders the JSON values and sends the KVPUBs.
///
/// Rendering and sending every changed key was the largest share of the server thread after
/// ingest itself; here it runs beside ingest. Batches leave in the order they were handed over,
/// so sequence numbers reach subscribers in order. The loop only hands over changes whose events
/// are committed, so nothing a crash could take back is ever sent. The socket was created and
/// bound by the loop thread; from ``start()`` on only this thread touches it (the hand-over under
/// the condition's lock is the memory barrier ZeroMQ asks for when a socket changes threads).
final class PublisherThread: @unchecked Sendable {
    /// Changes waiting to be sent: key names in one byte buffer, values as figures or JSON.
    struct Batch {
        var bytes: [UInt8] = []
        var items: [Item] = []

        /// Appends one change.
        mutating func append(key: UnsafeRawBufferPointer, sequence: UInt64, value: PublishedValue) {
            let keyStart = bytes.count
            bytes.append(contentsOf: key)
            let keyRange = keyStart..<bytes.count
            switch value {
            case .figures(let figures):
                items.append(Item(key: keyRange, sequence: sequence, value: .figures(figures)))
            case .json(let json):
                let start = bytes.count
                bytes.append(contentsOf: json)
                items.append(Item(key: keyRange, sequence: sequence, value: .json(start..<bytes.count)))
            case .deleted:
                items.append(Item(key: keyRange, sequence: sequence, value: .deleted))
            }
        }

        /// Appends a HUGZ.
        mutating func appendHeartbeat() {
            items.append(Item(key: 0..<0, sequence: 0, value: .heartbeat))
        }

        var isEmpty: Bool { items.isEmpty }

        mutating func removeAll() {
            bytes.removeAll(keepingCapacity: true)
            items.removeAll(keepingCapacity: true)
        }
    }

    struct Item {
        enum Value {
            case figures(KeyFigures)
            case json(Range<Int>)
            case deleted
            case heartbeat
        }

        var key: Range<Int>
        var sequence: UInt64
        var value: Value
    }

    private let socket: Socket
    private let logger: Logger
    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var queued = Batch()
    /// Guarded by `condition`.
    private var finishing = false
    private let finished = DispatchSemaphore(value: 0)
    private var started = false

    /// Takes over `socket` (a bound PUB socket) once started.
    init(socket: Socket, logger: Logger) {
        self.socket = socket
        self.logger = logger
    }

    /// Starts the thread.
    func start() {
        started = true
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "casepulse-publish"
        thread.start()
    }

    /// Hands a batch over (and empties it, keeping its storage for the next one).
    func hand(_ batch: inout Batch) {
        guard !batch.isEmpty else { return }
        condition.lock()
        if queued.isEmpty {
            swap(&queued, &batch)
        } else {
            // The thread is behind: append, so order is kept and nothing is dropped.
            let offset = queued.bytes.count
            queued.bytes.append(contentsOf: batch.bytes)
            for var item in batch.items {
                item.key = item.key.lowerBound + offset..<item.key.upperBound + offset
                if case .json(let range) = item.value {
                    item.value = .json(range.lowerBound + offset..<range.upperBound + offset)
                }
                queued.items.append(item)
            }
        }
        condition.signal()
        condition.unlock()
        batch.removeAll()
    }

    /// Sends what is queued, stops the thread and closes the socket (which lingers so the last
    /// updates leave).
    func finish() {
        condition.lock()
        finishing = true
        condition.signal()
        condition.unlock()
        if started { finished.wait() }
        socket.close()
    }

    private func run() {
        var working = Batch()
        var rendered = JSONBytes(capacity: 512)
        while true {
            condition.lock()
            while queued.isEmpty && !finishing { condition.wait() }
            if queued.isEmpty && finishing {
                condition.unlock()
                return
            }
            swap(&queued, &working)
            condition.unlock()
            working.bytes.withUnsafeBytes { bytes in
                for item in working.items { send(item, bytes, &rendered) }
            }
            working.removeAll()
        }
    }

    /// Sends one KVPUB (the five frames of ``ClusteredHashmap/keyValueFrames(key:sequence:value:)``)
    /// or a HUGZ, without building arrays.
    private func send(_ item: Item, _ bytes: UnsafeRawBufferPointer, _ rendered: inout JSONBytes) {
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        do {
            if case .heartbeat = item.value {
                _ = try socket.send(multipart: ClusteredHashmap.heartbeatFrames)
                return
            }
            var sequence = item.sequence.bigEndian
            _ = try socket.send(UnsafeRawBufferPointer(rebasing: bytes[item.key]), more: true)
            try withUnsafeBytes(of: &sequence) { _ = try socket.send($0, more: true) }
            _ = try socket.send(empty, more: true)
            _ = try socket.send(empty, more: true)
            switch item.value {
            case .figures(let figures):
                rendered.removeAll()
                figures.write(to: &rendered)
                try rendered.withBytes { _ = try socket.send($0, more: false) }
            case .json(let range):
                _ = try socket.send(UnsafeRawBufferPointer(rebasing: bytes[range]), more: false)
            case .deleted, .heartbeat:
                _ = try socket.send(empty, more: false)
            }
        } catch {
            logger.warning("publish failed: \(error)")
        }
    }
}
