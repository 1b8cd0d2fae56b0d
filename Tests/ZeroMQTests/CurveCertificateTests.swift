import CasePulseTestKit
import Foundation
import Testing
import ZeroMQ

/// ZPL certificates: our writer against pyzmq's reader and pyzmq's writer against our reader.
@Suite struct CurveCertificateTests {
    /// Runs /usr/bin/python3 with pyzmq; returns stdout.
    private func python(_ script: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    @Test func pyzmqReadsWhatWeWrite() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-certs"), directory = scratch.path
        let pair = try CurveKeyPair.generate()
        let certificate = CurveCertificate(
            name: "jn-scjg-app", publicKey: pair.publicKey, secretKey: pair.secretKey,
            metadata: [.init(name: "email", value: "ops@example.org")])
        let (publicPath, secretPath) = try certificate.write(to: directory)
        let lines = try python("""
            import zmq.auth
            print(zmq.auth.load_certificate('\(publicPath)')[0].decode())
            public, secret = zmq.auth.load_certificate('\(secretPath)')
            print(public.decode()); print(secret.decode())
            print(len(zmq.auth.load_certificates('\(directory)')))
            """).split(separator: "\n").map(String.init)
        #expect(lines == [pair.publicKeyZ85, pair.publicKeyZ85, pair.secretKeyZ85, "1"])
        let secretMode = try FileManager.default.attributesOfItem(atPath: secretPath)[.posixPermissions] as? Int
        #expect(secretMode == 0o600)
        #expect(try CurveCertificate.read(path: secretPath) == certificate)
        #expect(try CurveCertificate.read(path: publicPath) == CurveCertificate(name: "jn-scjg-app", publicKey: pair.publicKey))
        #expect(throws: CurveCertificateError.self) { try certificate.write(to: directory) }
    }

    @Test func weReadWhatPyzmqWrites() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-certs"), directory = scratch.path
        let lines = try python("""
            import zmq.auth
            public_file, secret_file = zmq.auth.create_certificates('\(directory)', 'backend-7', metadata={'name': 'two words'})
            public, secret = zmq.auth.load_certificate(secret_file)
            print(public.decode()); print(secret.decode())
            """).split(separator: "\n").map(String.init)
        try #require(lines.count == 2)
        let secret = try CurveCertificate.read(path: directory + "/backend-7.key_secret")
        #expect(secret.name == "backend-7")
        #expect(secret.publicKeyZ85 == lines[0])
        #expect(secret.secretKey.flatMap(Z85.encode) == lines[1])
        #expect(secret.metadata == [.init(name: "name", value: "two words")])
        #expect(secret.keyPair != nil)
        let certificate = try CurveCertificate.read(path: directory + "/backend-7.key")
        #expect(certificate.publicKeyZ85 == lines[0])
        #expect(certificate.secretKey == nil)
    }

    @Test func czmqLayoutWithQuotedMetadataAndComments() throws {
        let pair = try CurveKeyPair.generate()
        let text = """
            #   ****  Generated on 2015-05-05 by CZMQ  ****
            #   ZeroMQ CURVE **Secret** Certificate

            metadata
                name = "Jining backend"    # a comment
            curve
                public-key = "\(pair.publicKeyZ85)"
                secret-key = '\(pair.secretKeyZ85)'

            """
        let certificate = try CurveCertificate.parse(text, name: "x")
        #expect(certificate.keyPair == pair)
        #expect(certificate.metadata == [.init(name: "name", value: "Jining backend")])
    }

    @Test(arguments: [
        ("no key", "metadata\ncurve\n"),
        ("short key", "curve\n    public-key = \"abc\"\n"),
        ("not Z85", "curve\n    public-key = \"" + String(repeating: "~", count: 40) + "\"\n"),
        ("bad indentation", "curve\n  public-key = \"x\"\n"),
        ("unterminated", "curve\n    public-key = \"abc\n"),
        ("garbage", "curve\n    public-key = \"0000000000000000000000000000000000000000\" extra\n"),
        ("not ZPL", "this is not a certificate\n"),
    ])
    func malformedCertificatesAreRefused(_ name: String, _ text: String) {
        #expect(throws: CurveCertificateError.self, "\(name)") { try CurveCertificate.parse(text, name: "x") }
    }

    @Test func secretKeyOfAnotherPairIsRefused() throws {
        let first = try CurveKeyPair.generate()
        let second = try CurveKeyPair.generate()
        let text = "curve\n    public-key = \"\(first.publicKeyZ85)\"\n    secret-key = \"\(second.secretKeyZ85)\"\n"
        #expect(throws: CurveCertificateError.self) { try CurveCertificate.parse(text, name: "x") }
    }

    /// `write(to:)` never replaces a file, nor writes the other half beside a lone one: with
    /// either name taken, it throws naming it and the directory is as it was. (Before the fix, a
    /// lone `.key_secret` got a new `.key` beside it that did not belong to it.)
    @Test(arguments: [["key"], ["key_secret"], ["key", "key_secret"]])
    func writingBesideAnExistingFileWritesNothing(existing: [String]) throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-certs"), directory = scratch.path
        for suffix in existing {
            try Data("kept \(suffix)\n".utf8).write(to: URL(fileURLWithPath: "\(directory)/jn.\(suffix)"))
        }
        let pair = try CurveKeyPair.generate()
        let certificate = CurveCertificate(name: "jn", publicKey: pair.publicKey, secretKey: pair.secretKey)
        let error = try #require(throws: CurveCertificateError.self) { try certificate.write(to: directory) }
        #expect(error.path == "\(directory)/jn.\(existing[0])")
        #expect(existing.allSatisfy { "\(error)".contains("\(directory)/jn.\($0)") }, "\(error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == existing.map { "jn.\($0)" })
        for suffix in existing {
            #expect(try String(contentsOfFile: "\(directory)/jn.\(suffix)", encoding: .utf8) == "kept \(suffix)\n")
        }
    }

    /// A dangling symbolic link takes the name too: nothing is written through it or beside it.
    @Test func aDanglingSymbolicLinkIsNotWrittenThrough() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-certs"), directory = scratch.path
        try FileManager.default.createSymbolicLink(atPath: directory + "/jn.key_secret", withDestinationPath: directory + "/elsewhere")
        let pair = try CurveKeyPair.generate()
        let certificate = CurveCertificate(name: "jn", publicKey: pair.publicKey, secretKey: pair.secretKey)
        #expect(throws: CurveCertificateError.self) { try certificate.write(to: directory) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["jn.key_secret"])
    }

    /// When the second file cannot be created, the first is removed again: a name whose `.key`
    /// fits in 255 bytes and whose `.key_secret` does not (`ENAMETOOLONG` once the public file
    /// is already created) leaves the directory empty.
    @Test func aFailedWriteLeavesNoHalfPair() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-certs"), directory = scratch.path
        let name = String(repeating: "n", count: 255 - ".key".count)
        let pair = try CurveKeyPair.generate()
        let certificate = CurveCertificate(name: name, publicKey: pair.publicKey, secretKey: pair.secretKey)
        let error = try #require(throws: CurveCertificateError.self) { try certificate.write(to: directory) }
        #expect(error.path == "\(directory)/\(name).key_secret" && error.reason.contains("errno \(ENAMETOOLONG)"), "\(error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == [])
    }

    @Test func unreadableFileNamesThePath() {
        #expect {
            try CurveCertificate.read(path: "/nonexistent/server.key_secret")
        } throws: { error in
            "\(error)".contains("/nonexistent/server.key_secret") && "\(error)".contains("errno")
        }
        #expect(CurveCertificate.name(ofPath: "/etc/casepulse/jn.key_secret") == "jn")
        #expect(CurveCertificate.name(ofPath: "jn.key") == "jn")
    }
}
