import CasePulseCore
import CasePulseWire
import Foundation
import Logging
import Testing
import ZeroMQ

@testable import CasePulseServer

/// The publish thread on a real PUB → SUB pair over ipc: batches handed over while the thread is
/// behind are merged without losing or reordering a change.
@Suite struct PublisherThreadTests {
    @Test func batchesHandedOverWhileTheThreadIsBehindLeaveInOrder() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cp-pub-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let endpoint = "ipc://\(directory.path)/publish"
        let context = try Context()
        let publisher = try Socket(context, .pub)
        try publisher.setLinger(1000)
        try publisher.bind(endpoint)
        let subscriber = try Socket(context, .sub)
        try subscriber.setLinger(0)
        try subscriber.setReceiveTimeout(5000)
        try subscriber.subscribe("")
        try subscriber.connect(endpoint)
        Thread.sleep(forTimeInterval: 0.3)  // let the subscription arrive

        let thread = PublisherThread(socket: publisher, logger: Logger(label: "test"))
        var figures = Aggregate().figures
        var expected: [[UInt8]] = []
        // Three batches before the thread starts: the second and third are appended to the first.
        for round in 0..<3 {
            var batch = PublisherThread.Batch()
            for k in 0..<5 {
                let sequence = UInt64(round * 10 + k + 1)
                let key = Array("/m/all/37\(round)\(k)/@all".utf8)
                figures.filed = Int64(sequence)
                var json = JSONBytes()
                figures.write(to: &json)
                key.withUnsafeBytes { batch.append(key: $0, sequence: sequence, value: .figures(figures)) }
                expected.append(key + json.bytes)
            }
            let sys = Array("{\"round\":\(round)}".utf8)
            Array("/sys/ingest".utf8).withUnsafeBytes { key in
                sys.withUnsafeBytes { batch.append(key: key, sequence: UInt64(round * 10 + 9), value: .json($0)) }
            }
            expected.append(Array("/sys/ingest".utf8) + sys)
            thread.hand(&batch)
            #expect(batch.isEmpty)
        }
        thread.start()
        var received: [[UInt8]] = []
        var sequences: [UInt64] = []
        while received.count < expected.count, let frames = try subscriber.receiveMultipart() {
            #expect(frames.count == 5)
            guard frames.count == 5 else { break }
            received.append(frames[0] + frames[4])
            sequences.append(frames[1].reduce(0) { $0 << 8 | UInt64($1) })
        }
        thread.finish()
        subscriber.close()
        #expect(received == expected)
        #expect(sequences == sequences.sorted())
    }
}
