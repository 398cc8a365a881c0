import TestSupport
import Testing

@testable import Shell

/// The rendered output of the views a learner reads most, plain and in colour.
@Suite struct SnapshotTests {
    static let helloWalk = ["step", "step", "step", "step", "trace", "backward", "backstep", "backstep", "backstep", "backstep"]

    @Test(arguments: [false, true])
    func helloStepBackstepTrace(color: Bool) {
        let text = transcript(makeShell(), SnapshotTests.helloWalk, color: color)
        expectSnapshot(text, named: color ? "hello-walk-color" : "hello-walk")
    }

    @Test(arguments: [false, true])
    func show(color: Bool) {
        let text = transcript(
            makeShell(),
            [
                "step 2", "show x", "show h 1", "show p", "show loss", "show loss 2", "show W_xh", "show b_y", "show settings",
                "backward", "show grads", "update", "show optimizer",
            ],
            color: color)
        expectSnapshot(text, named: color ? "show-color" : "show")
    }

    @Test(arguments: [false, true])
    func help(color: Bool) {
        let text = transcript(makeShell(), ["help", "help sample", "help settings"], color: color)
        expectSnapshot(text, named: color ? "help-color" : "help")
    }

    @Test func lstmAndCompactViews() {
        let text = transcript(
            makeShell(),
            [
                "set cell lstm", "step", "backward", "backstep", "set cell gru", "step", "set cell rnn", "set hidden 20", "step",
                "backward", "backstep", "model",
            ])
        expectSnapshot(text, named: "cells-and-compact")
    }
}
