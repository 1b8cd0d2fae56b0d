import Foundation
import Testing

/// The man pages, `Deploy/man/casepulsed.8` and `Deploy/man/casepulse.1`, stay in step with the
/// code: every long option the built executables define (as ArgumentParser's
/// `--experimental-dump-help` lists them) has its `.TP` item in the page, in the section of its
/// command, no item names an option that is not there, every subcommand has its section, every
/// environment variable the daemon's help names is in its page, and both pages render without a
/// groff warning.
@Suite struct ManPageTests {
    /// `Deploy/man` of the source tree this test was built from.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Deploy/man")

    @Test func casepulsedDocumentsEveryOptionAndVariable() throws {
        let command = try ToolHelp.dump(DaemonProcess.binary)
        let page = try ManPage(contentsOf: Self.directory.appendingPathComponent("casepulsed.8"))
        let documented = page.options(in: "OPTIONS").subtracting(["help"])
        let defined = command.longOptions.subtracting(["help"])
        #expect(defined.subtracting(documented).isEmpty, "options without an item under OPTIONS: \(defined.subtracting(documented).sorted())")
        #expect(documented.subtracting(defined).isEmpty, "items for options casepulsed lacks: \(documented.subtracting(defined).sorted())")
        #expect(defined.count >= 19, "the dump lists casepulsed's options: \(defined.sorted())")
        let variables = command.abstracts.flatMap(ToolHelp.environmentVariables)
        #expect(variables.count >= 17, "each configuration key names its variable in --help: \(variables)")
        for variable in variables {
            #expect(page.text.contains(variable), "\(variable) is not in casepulsed.8")
        }
    }

    @Test func casepulseDocumentsEveryCommandAndOption() throws {
        let tool = try ToolHelp.dump(DaemonProcess.cliBinary)
        let page = try ManPage(contentsOf: Self.directory.appendingPathComponent("casepulse.1"))
        let shared = page.options(in: "CURVE OPTIONS")
        let commands = tool.subcommands.filter { $0.name != "help" }
        #expect(commands.count >= 7, "\(commands.map(\.name))")
        for command in commands {
            #expect(page.sections.contains("COMMANDS/\(command.name)"), "no .SS \(command.name) under COMMANDS")
            #expect(page.text(of: "SYNOPSIS").contains("casepulse \(command.name)"), "\(command.name) is not in the SYNOPSIS")
            let own = page.options(in: "COMMANDS/\(command.name)")
            let defined = command.longOptions.subtracting(["help"])
            let missing = defined.subtracting(own.union(shared))
            #expect(missing.isEmpty, "casepulse \(command.name): options without an item: \(missing.sorted())")
            #expect(own.subtracting(defined).isEmpty, "casepulse \(command.name): items for options it lacks: \(own.subtracting(defined).sorted())")
        }
        let everyOption = commands.reduce(into: Set<String>()) { $0.formUnion($1.longOptions) }
        #expect(!shared.isEmpty && shared.isSubset(of: everyOption), "CURVE OPTIONS items: \(shared.sorted())")
    }

    @Test(arguments: ["casepulsed.8", "casepulse.1"])
    func rendersWithoutWarnings(_ name: String) throws {
        let groff = URL(fileURLWithPath: "/usr/bin/groff")
        try #require(
            FileManager.default.isExecutableFile(atPath: groff.path),
            "groff is missing: Deploy/dependencies.sh installs groff-base")
        let path = Self.directory.appendingPathComponent(name).path
        let run = try CompletedProcess.run(groff, ["-man", "-Tutf8", "-ww", "-z", path])
        #expect(run.status == 0 && run.stderr.isEmpty, "groff on \(name): \(run.stderr)")
        // Plain text (no bold or underline by overstriking), to find the headings.
        let text = try CompletedProcess.run(groff, ["-man", "-Tutf8", "-P-cbou", path]).stdout
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "EXIT STATUS", "EXAMPLES", "SEE ALSO"] {
            #expect(text.contains("\n\(section)\n"), "\(name) has no \(section) section")
        }
    }
}
