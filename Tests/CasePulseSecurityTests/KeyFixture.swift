import CasePulseTestKit
import Foundation
import ZeroMQ

/// A temporary key layout as an operator would make it: the daemon's certificate and a producer
/// and a subscriber directory of public certificates; the clients' secret certificates aside.
struct KeyFixture {
    /// Holds the key layout for as long as a copy of the fixture lives.
    let scratch: TemporaryDirectory
    var root: String { scratch.path }
    let server: CurveKeyPair
    var certificate: String { root + "/server.key_secret" }
    var producers: String { root + "/producers" }
    var subscribers: String { root + "/subscribers" }
    var clients: String { root + "/clients" }

    init() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-keys")
        for directory in ["producers", "subscribers", "clients"] {
            try FileManager.default.createDirectory(atPath: scratch.appending(directory), withIntermediateDirectories: true)
        }
        self.scratch = scratch
        server = try CurveKeyPair.generate()
        try CurveCertificate(name: "server", publicKey: server.publicKey, secretKey: server.secretKey).write(to: root)
    }

    /// A new key pair named `name`, its public certificate in `directory` (nil: listed nowhere).
    @discardableResult
    func add(_ name: String, to directory: String?) throws -> CurveKeyPair {
        let pair = try CurveKeyPair.generate()
        let certificate = CurveCertificate(name: name, publicKey: pair.publicKey, secretKey: pair.secretKey)
        try certificate.write(to: clients)
        if let directory {
            try FileManager.default.copyItem(atPath: clients + "/\(name).key", toPath: directory + "/\(name).key")
        }
        return pair
    }

    /// Removes `name`'s public certificate from `directory` (revocation).
    func revoke(_ name: String, from directory: String) throws {
        try FileManager.default.removeItem(atPath: directory + "/\(name).key")
    }
}
