import CasePulseCore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// The casepulse server: ingest, engine and CHP publishing on one dedicated thread.
///
/// ``start()`` binds every endpoint and returns once the server answers, or throws a
/// ``ServerError`` naming the endpoint and errno. ``stop()`` wakes the loop, which publishes what
/// is pending and closes its sockets. As a swift-service-lifecycle `Service`, ``run()`` starts the
/// server and stops it on graceful shutdown.
public final class Server: Service, Sendable {
    /// The configuration the server runs with.
    public let configuration: ServerConfiguration
    private let logger: Logger
    private let context: Context
    /// The loop polls it; ``send(_:)`` wakes it.
    private let wakePipe: WakePipe
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var started = false
        var commands: [ServerCommand] = []
        var status = ServerStatus()
        var finished = false
        var failure: ServerError?
        var waiters: [CheckedContinuation<Void, Never>] = []
        var endpoints: [String: String] = [:]
    }

    /// Creates a server; nothing is bound until ``start()``. Pass `context` when something else
    /// must share it — a ZAP handler has to live in the same ZeroMQ context as the sockets it guards.
    /// The server sets the context's zero-copy receive (``Context/setReceivesWithoutCopy(_:)``)
    /// for the sockets created from then on, as ``ServerConfiguration/receivesWithoutCopy`` says.
    public init(configuration: ServerConfiguration, context: Context? = nil, logger: Logger) throws(ServerError) {
        self.configuration = configuration
        self.logger = logger
        if let context {
            self.context = context
        } else {
            do { self.context = try Context() } catch { throw ServerError("cannot create the ZeroMQ context", cause: error) }
        }
        let withoutCopy = configuration.receivesWithoutCopy
        do { try self.context.setReceivesWithoutCopy(withoutCopy) } catch {
            logger.debug("libzmq keeps its own zero-copy receive setting (\(error))")
        }
        wakePipe = try WakePipe(purpose: "server")
    }

    /// The endpoints actually bound, by role (`snapshot`, `publish`, `ingest`, `reliable`), with
    /// wildcard ports resolved. Empty before ``start()``.
    public var boundEndpoints: [String: String] { state.withLock { $0.endpoints } }

    /// Binds every endpoint on the server's own thread and starts serving; returns when the
    /// snapshot endpoint answers. Throws the first bind or connect failure.
    public func start() throws(ServerError) {
        let alreadyStarted = state.withLock { state in
            defer { state.started = true }
            return state.started
        }
        guard !alreadyStarted else { return }
        // A revoked subscriber may still be connected to the updates socket: drop every peer, so
        // that only the keys still listed get back in.
        configuration.security?.onSubscribersRevoked { [weak self] revoked in
            self?.send(.dropSubscribers(revoked: revoked))
        }
        let outcome = Mutex<Result<[String: String], ServerError>?>(nil)
        let ready = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            let loop: ServerLoop
            do throws(ServerError) {
                loop = try ServerLoop(configuration: configuration, context: context, wakePipe: wakePipe, logger: logger)
            } catch {
                outcome.withLock { $0 = .failure(error) }
                ready.signal()
                finish()
                return
            }
            outcome.withLock { $0 = .success(loop.boundEndpoints) }
            ready.signal()
            loop.run(
                commands: { state.withLock { state in
                    defer { state.commands = [] }
                    return state.commands
                } },
                report: { status in state.withLock { $0.status = status } })
            loop.close()
            if let failure = loop.failure { state.withLock { $0.failure = failure } }
            finish()
        }
        thread.name = "casepulse-server"
        thread.start()
        ready.wait()
        switch outcome.withLock({ $0 }) {
        case .success(let endpoints):
            state.withLock { $0.endpoints = endpoints }
        case .failure(let error):
            throw error
        case nil:
            throw ServerError("the server thread ended before reporting")
        }
    }

    /// Asks the loop to publish what is pending, close its sockets and end. Returns at once; use
    /// ``waitUntilStopped()`` to wait.
    public func stop() {
        send(.stop)
    }

    /// Hands a command to the loop and wakes it.
    public func send(_ command: ServerCommand) {
        state.withLock { $0.commands.append(command) }
        wakePipe.wake()
    }

    /// The latest status the loop reported (refreshed every tick).
    public var status: ServerStatus { state.withLock { $0.status } }

    /// Waits until the server's thread has ended (after ``stop()`` or a failed start).
    public func waitUntilStopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state in
                if state.finished || !state.started { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private func finish() {
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Why the loop ended on its own, if it did (the state store failed).
    public var failure: ServerError? { state.withLock { $0.failure } }

    /// Starts the server and serves until graceful shutdown (SIGTERM/SIGINT under a ServiceGroup);
    /// throws when the loop ended on a failure instead.
    public func run() async throws {
        try start()
        await withGracefulShutdownHandler {
            await waitUntilStopped()
        } onGracefulShutdown: {
            self.stop()
        }
        if let failure { throw failure }
    }
}
