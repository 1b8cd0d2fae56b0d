import ArgumentParser
import ZeroMQ

/// `casepulse keygen NAME`: writes a CURVE certificate pair as pyzmq and czmq do.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a CURVE certificate pair: NAME.key (public) and NAME.key_secret (mode 0600).",
        discussion: """
            The files are ZPL certificates laid out as pyzmq's zmq.auth.create_certificates and czmq's zcert \
            write them. Put NAME.key into the daemon's --producer-keys (NAME is then the producer identity \
            its events must carry) or --subscriber-keys directory, and give NAME.key_secret to the client \
            (--curve-cert). Existing files are never replaced: when NAME.key or NAME.key_secret exists, \
            even one of them alone, nothing is written.
            """)

    @Argument(help: ArgumentHelp("Certificate name: [A-Za-z0-9._-]{1,64}, a producer's id.", valueName: "NAME"))
    var name: String

    @Option(name: .customLong("directory"), help: ArgumentHelp("Where to write the files.", valueName: "DIR"))
    var directory = "."

    func validate() throws {
        let valid = (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
        guard valid else { throw ValidationError("NAME must be 1 to 64 of [A-Za-z0-9._-]") }
    }

    func run() throws {
        try CommandFailure.reporting {
            let pair = try CurveKeyPair.generate()
            let certificate = CurveCertificate(name: name, publicKey: pair.publicKey, secretKey: pair.secretKey)
            let (publicPath, secretPath) = try certificate.write(to: directory)
            Terminal.writeOutput("\(publicPath)\n\(secretPath)\n")
            Terminal.writeError("casepulse keygen: public key \(pair.publicKeyZ85)\n")
        }
    }
}
