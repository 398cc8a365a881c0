import Testing

@testable import Shell

/// A lesson shows the commands it runs as typed: prose is reflowed (runs of spaces collapse), a
/// command line must not be, or `--prime "   /* "` reads as `--prime " /* "` and a learner who
/// copies it types another command.
@Suite struct LessonCommandEchoTests {
    @Test func aCommandLineKeepsItsSpaces() {
        let shell = makeShell()
        let console = ScriptedConsole(lines: [], width: 80, color: false)
        shell.session.output.console = console
        let line = "c-code 5/8> sample 300 --prime \"   /* \" --temperature 0.8 --seed 4\n"
        shell.session.presentCommand(line)
        #expect(console.output == line)
        // The same line as prose loses the spaces: what the echo used to do.
        let prose = ScriptedConsole(lines: [], width: 80, color: false)
        shell.session.output.console = prose
        shell.session.present(line)
        #expect(!prose.output.contains("\"   /* \""))
    }

    @Test func aCommandLineWiderThanTheTerminalIsWrappedAtSpaces() {
        let shell = makeShell()
        let console = ScriptedConsole(lines: [], width: 40, color: false)
        shell.session.output.console = console
        shell.session.presentCommand("c-code 5/8> sample 300 --prime \"static int \" --temperature 0.8\n")
        let lines = console.output.split(separator: "\n")
        #expect(lines.count >= 2)
        #expect(lines.allSatisfy { $0.count <= 40 })
    }
}
