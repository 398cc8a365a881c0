import Foundation
import Rendering

// What commands did, as lessons learn it: a command reports a typed event (`session.report(…)`)
// and the lesson context keeps the latest of each kind for the values and conditions of
// `LessonTerm.all` (`{{update before}}`, `sampled`, `{{train seconds}}`). Lessons never look at
// command names or at what was written to the console.

/// Something a command did that lessons read and the session does not otherwise keep.
enum SessionEvent: Sendable, Equatable {
    /// `update` applied one optimizer step: the stepped text's summed loss before and after it,
    /// over `steps` steps.
    case updated(lossBefore: Double, lossAfter: Double, steps: Int)
    /// `sample` wrote `text`: the prime and what was drawn, without colour or the breaks made to
    /// fit the width.
    case sampled(text: String)
    /// A foreground `train` ran `iterations` iterations in `seconds`.
    case trained(iterations: Int, seconds: Double)
    /// A foreground `train` printed `text`, the sample drawn after `iteration`.
    case trainingSample(iteration: Int, text: String)
}

extension LessonContext {
    /// Keeps what the event says, replacing the previous one of its kind.
    func observe(_ event: SessionEvent) {
        switch event {
        case .updated(let before, let after, let steps): lastUpdate = (before, after, steps)
        case .sampled(let text): lastSample = text
        case .trained(let iterations, let seconds): lastTraining = (iterations, seconds)
        case .trainingSample(let iteration, let text): trainingSamples[iteration] = text
        }
    }
}

extension Session {
    /// Tells the lessons what a command did.
    func report(_ event: SessionEvent) { lessonContext.observe(event) }

    /// The last foreground `train`: iterations done and seconds taken (lessons show them).
    var lastTraining: (iterations: Int, seconds: Double)? { lessonContext.lastTraining }
}

/// The text a sample wrote, as lessons read it: without escape sequences, without the breaks
/// ``StreamingWrap`` made to fit the width, without the newlines around it.
func sampleText(_ written: String) -> String {
    withoutEscapes(written)
        .replacingOccurrences(of: StreamingWrap.marker + "\n", with: "")
        .trimmingCharacters(in: CharacterSet(charactersIn: "\n"))
}
