import CasePulseTestKit
import Foundation
import Testing

/// `Deploy/install.sh` staged into a temporary `DESTDIR`, with stand-in binaries: the man pages it
/// installs name the version it was given (`package-deb.sh` passes its own), a version that is
/// not one is refused before anything is installed, installing again keeps the operator's
/// configuration, and `Deploy/uninstall.sh` removes what was installed.
@Suite struct InstallScriptTests {
    /// The source tree this test was built from.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `install.sh --no-build` into `directory/stage` with `version` (none when `nil`) and
    /// `prefix`; returns its exit status and standard error.
    static func install(into directory: String, version: String?, prefix: String = "/usr") throws -> (status: Int32, stderr: String) {
        let binaries = "\(directory)/bin"
        try FileManager.default.createDirectory(atPath: binaries, withIntermediateDirectories: true)
        // ELF executables, which `install -s` can strip.
        for name in ["casepulsed", "casepulse"] where !FileManager.default.fileExists(atPath: "\(binaries)/\(name)") {
            try FileManager.default.copyItem(atPath: "/bin/true", toPath: "\(binaries)/\(name)")
        }
        // An empty VERSION is no version, as install.sh reads it.
        let run = try CompletedProcess.run(
            root.appendingPathComponent("Deploy/install.sh"), ["--no-build"],
            environment: ["BIN_DIR": binaries, "PREFIX": prefix, "DESTDIR": "\(directory)/stage", "VERSION": version ?? ""])
        return (run.status, run.stderr)
    }

    /// The `.TH` line of an installed, gzipped man page.
    static func header(of page: String) throws -> String {
        let text = try CompletedProcess.run(URL(fileURLWithPath: "/bin/gzip"), ["-dc", page]).stdout
        return text.split(separator: "\n").first { $0.hasPrefix(".TH ") }.map(String.init) ?? ""
    }

    @Test func theManPagesNameTheVersionInstalled() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-install"), directory = scratch.path
        let (status, stderr) = try Self.install(into: directory, version: "9.8.7~rc1")
        #expect(status == 0, "\(stderr)")
        let man = "\(directory)/stage/usr/share/man"
        #expect(try Self.header(of: "\(man)/man8/casepulsed.8.gz").contains("\"casepulse 9.8.7~rc1\" \"System Administration\""))
        #expect(try Self.header(of: "\(man)/man1/casepulse.1.gz").contains("\"casepulse 9.8.7~rc1\" \"User Commands\""))
    }

    @Test func withoutAVersionThePagesAreInstalledAsTheyAre() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-install"), directory = scratch.path
        #expect(try Self.install(into: directory, version: nil).status == 0)
        let source = try String(contentsOf: Self.root.appendingPathComponent("Deploy/man/casepulsed.8"), encoding: .utf8)
        let header = try Self.header(of: "\(directory)/stage/usr/share/man/man8/casepulsed.8.gz")
        #expect(!header.isEmpty && source.contains(header))
    }

    @Test func aVersionThatIsNotOneIsRefusedBeforeAnythingIsInstalled() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-install"), directory = scratch.path
        let (status, stderr) = try Self.install(into: directory, version: "1\"; rm -rf x")
        #expect(status == 2)
        #expect(stderr.contains("is not a version"), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/stage"))
    }

    /// README.md, "Install, uninstall, .deb": `/etc/casepulse/casepulsed.toml` is "kept if
    /// present"; Deploy/install.sh's header: written "only when absent: an operator's file is never
    /// overwritten", the new example then beside it as `casepulsed.toml.example`, and the unit's
    /// `ExecStart` rewritten to `$PREFIX/bin`.
    @Test func installingAgainKeepsTheConfigurationAndTheUnitRunsThePrefixsBinary() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-install"), directory = scratch.path
        let etc = "\(directory)/stage/etc/casepulse"
        let shipped = try String(contentsOf: Self.root.appendingPathComponent("Deploy/casepulsed.toml"), encoding: .utf8)
        let first = try Self.install(into: directory, version: nil, prefix: "/opt/casepulse")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try String(contentsOfFile: "\(etc)/casepulsed.toml", encoding: .utf8) == shipped)
        #expect(!FileManager.default.fileExists(atPath: "\(etc)/casepulsed.toml.example"))

        let edited = shipped + "\n# Edited by the operator.\n"
        try edited.write(toFile: "\(etc)/casepulsed.toml", atomically: true, encoding: .utf8)
        let second = try Self.install(into: directory, version: nil, prefix: "/opt/casepulse")
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try String(contentsOfFile: "\(etc)/casepulsed.toml", encoding: .utf8) == edited)
        #expect(try String(contentsOfFile: "\(etc)/casepulsed.toml.example", encoding: .utf8) == shipped)

        let unit = try String(contentsOfFile: "\(directory)/stage/etc/systemd/system/casepulsed.service", encoding: .utf8)
        let execStart = unit.split(separator: "\n").filter { $0.hasPrefix("ExecStart=") }
        #expect(execStart == ["ExecStart=/opt/casepulse/bin/casepulsed"], "\(unit)")
        #expect(FileManager.default.isExecutableFile(atPath: "\(directory)/stage/opt/casepulse/bin/casepulsed"))
    }

    /// `Deploy/package-deb.sh --no-build` around stand-in binaries: the package's version and
    /// file name, its files where README says, the configuration its one conffile, the unit
    /// running `/usr/bin/casepulsed`, the man pages naming the version, the dependencies
    /// dpkg-shlibdeps found, and maintainer scripts that parse.
    @Test func thePackageHoldsTheFilesTheConffileAndScriptsThatParse() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-deb"), directory = scratch.path
        let binaries = "\(directory)/bin"
        try FileManager.default.createDirectory(atPath: binaries, withIntermediateDirectories: true)
        for name in ["casepulsed", "casepulse"] { try FileManager.default.copyItem(atPath: "/bin/true", toPath: "\(binaries)/\(name)") }
        let built = try CompletedProcess.run(
            Self.root.appendingPathComponent("Deploy/package-deb.sh"), ["--no-build", "\(directory)/out"],
            environment: ["BIN_DIR": binaries, "VERSION": "1.2.3"])
        #expect(built.status == 0, "\(built.stderr)")
        let architecture = try CompletedProcess.run(URL(fileURLWithPath: "/usr/bin/dpkg"), ["--print-architecture"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let deb = "\(directory)/out/casepulse_1.2.3_\(architecture).deb"
        #expect(built.stdout.hasSuffix("package-deb.sh: \(deb)\n"), "\(built.stdout.suffix(200))")
        func dpkgDeb(_ arguments: [String]) throws -> String {
            try CompletedProcess.run(URL(fileURLWithPath: "/usr/bin/dpkg-deb"), arguments).stdout
        }

        #expect(try dpkgDeb(["--field", deb, "Package", "Version"]) == "Package: casepulse\nVersion: 1.2.3\n")
        #expect(try dpkgDeb(["--field", deb, "Depends"]).contains("libc6"))
        let contents = try dpkgDeb(["--contents", deb])
        for path in [
            "./usr/bin/casepulsed", "./usr/bin/casepulse", "./lib/systemd/system/casepulsed.service", "./etc/casepulse/casepulsed.toml",
            "./usr/share/man/man8/casepulsed.8.gz", "./usr/share/man/man1/casepulse.1.gz", "./usr/share/doc/casepulse/copyright",
            "./usr/share/doc/casepulse/README.md", "./usr/share/doc/casepulse/Docs/performance-history.md",
        ] {
            #expect(contents.contains(" \(path)\n"), "\(path) is not in the package:\n\(contents)")
        }

        let control = "\(directory)/control"
        _ = try dpkgDeb(["--control", deb, control])
        #expect(try String(contentsOfFile: "\(control)/conffiles", encoding: .utf8) == "/etc/casepulse/casepulsed.toml\n")
        for script in ["postinst", "prerm", "postrm"] {
            #expect(FileManager.default.isExecutableFile(atPath: "\(control)/\(script)"), "\(script)")
            let parsed = try CompletedProcess.run(URL(fileURLWithPath: "/bin/sh"), ["-n", "\(control)/\(script)"])
            #expect(parsed.status == 0, "\(script): \(parsed.stderr)")
        }

        let tree = "\(directory)/tree"
        _ = try dpkgDeb(["--extract", deb, tree])
        let unit = try String(contentsOfFile: "\(tree)/lib/systemd/system/casepulsed.service", encoding: .utf8)
        #expect(unit.split(separator: "\n").filter { $0.hasPrefix("ExecStart=") } == ["ExecStart=/usr/bin/casepulsed"])
        #expect(try Self.header(of: "\(tree)/usr/share/man/man8/casepulsed.8.gz").contains("\"casepulse 1.2.3\""))
    }

    /// A `--no-build` of binaries that load the Swift runtime from the toolchain (as a plain
    /// `swift build -c release` makes, like the ones these tests run) is refused with one line
    /// saying how to build them: such a package would install and then not start.
    @Test func aPackageOfBinariesNeedingTheToolchainIsRefused() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-deb"), directory = scratch.path
        let built = try CompletedProcess.run(
            Self.root.appendingPathComponent("Deploy/package-deb.sh"), ["--no-build", "\(directory)/out"],
            environment: ["BIN_DIR": DaemonProcess.binary.deletingLastPathComponent().path])
        #expect(built.status == 1)
        #expect(built.stderr == "package-deb.sh: casepulsed loads the Swift runtime (libswiftCore.so) from the toolchain; build it with 'swift build -c release --static-swift-stdlib', or run without --no-build\n")
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/out"))
    }

    /// README.md: `uninstall.sh` removes the binaries, man pages and unit, and `--purge` also
    /// `/etc/casepulse` and the state; here from a staged install (`DESTDIR`, as install.sh's),
    /// with the state where `DynamicUser=` keeps it.
    @Test func uninstallingRemovesWhatWasInstalledAndPurgingTheConfigurationAndState() throws {
        let scratch = try TemporaryDirectory(prefix: "casepulse-install"), directory = scratch.path
        let stage = "\(directory)/stage"
        let installed = try Self.install(into: directory, version: nil)
        #expect(installed.status == 0, "\(installed.stderr)")
        let state = "\(stage)/var/lib/private/casepulse"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(stage)/var/lib/casepulse", withDestinationPath: "private/casepulse")
        let files = [
            "usr/bin/casepulsed", "usr/bin/casepulse", "usr/share/man/man1/casepulse.1.gz", "usr/share/man/man8/casepulsed.8.gz",
            "etc/systemd/system/casepulsed.service",
        ]
        let kept = ["etc/casepulse/casepulsed.toml", "var/lib/private/casepulse", "var/lib/casepulse"]
        func exists(_ path: String) -> Bool { (try? FileManager.default.attributesOfItem(atPath: "\(stage)/\(path)")) != nil }
        #expect((files + kept).allSatisfy(exists))
        func uninstall(_ arguments: [String]) throws -> CompletedProcess {
            try CompletedProcess.run(
                Self.root.appendingPathComponent("Deploy/uninstall.sh"), arguments, environment: ["PREFIX": "/usr", "DESTDIR": stage])
        }

        let removed = try uninstall([])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(removed.stdout == "uninstall.sh: removed casepulsed\n")
        #expect(files.filter(exists).isEmpty, "left: \(files.filter(exists))")
        #expect(kept.allSatisfy(exists), "the configuration and the state stay")

        let purged = try uninstall(["--purge"])
        #expect(purged.status == 0, "\(purged.stderr)")
        #expect(purged.stdout == "uninstall.sh: removed casepulsed, its configuration and its state\n")
        #expect(kept.filter(exists).isEmpty, "left: \(kept.filter(exists))")
        #expect(try uninstall(["--bogus"]).status == 2)
    }
}
