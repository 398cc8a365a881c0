import Foundation
import Testing

@testable import CharRNN

/// Memory estimates from the sizes, and the budget they must fit in.
@Suite struct MemoryBudgetTests {
    @Test(arguments: [CellKind.rnn, .lstm, .gru])
    func theParameterCountIsTheModelsWithoutBuildingIt(cell: CellKind) throws {
        let vocabulary = try Vocabulary(of: "abcdefghij", order: .sorted)
        for layers in 1...3 {
            var generator = SplitMix64(seed: 0)
            let model = Model(vocabulary: vocabulary, cell: cell, hiddenSize: 7, layers: layers, using: &generator)
            #expect(MemoryEstimate.parameterCount(model.shape) == Double(model.parameterCount))
        }
    }

    @Test func theEstimateGrowsWithEverySize() {
        let shape = ModelShape(cell: .lstm, vocabularySize: 65, hiddenSize: 256, layers: 2)
        let base = TrainingConfiguration(optimizer: .adagrad, batchSize: 16, sequenceLength: 64)
        let estimate = MemoryEstimate.training(shape, configuration: base)
        var longer = base
        longer.sequenceLength = 128
        var wider = base
        wider.batchSize = 32
        var adam = base
        adam.optimizer = .adam
        #expect(MemoryEstimate.training(shape, configuration: longer) > estimate)
        #expect(MemoryEstimate.training(shape, configuration: wider) > estimate)
        #expect(MemoryEstimate.training(shape, configuration: adam) > estimate)
        var bigger = shape
        bigger.hiddenSize = 512
        #expect(MemoryEstimate.training(bigger, configuration: base) > estimate)
        // The forward cache is (T, B, 4H) per gate array: doubling T·B roughly doubles its share.
        let cache = MemoryEstimate.forwardCache(shape, batchSize: 16, steps: 64)
        let twice = MemoryEstimate.forwardCache(shape, batchSize: 16, steps: 128)
        #expect(twice > 1.8 * cache && twice < 2.2 * cache)
    }

    /// The configuration the issue saw abort (LSTM 1024 × 3, batch 256, seq 1000) is refused on a
    /// 12 GB budget with one line giving both figures.
    @Test func aConfigurationOverTheBudgetIsRefusedInOneLine() {
        let shape = ModelShape(cell: .lstm, vocabularySize: 65, hiddenSize: 1024, layers: 3)
        let configuration = TrainingConfiguration(optimizer: .adam, batchSize: 256, sequenceLength: 1000)
        let estimate = MemoryEstimate.training(shape, configuration: configuration)
        #expect(estimate > 20e9)
        let budget = MemoryBudget(bytes: 12e9)
        #expect(throws: MemoryBudgetError.self) { try budget.check(estimate, for: "training") }
        do {
            try budget.check(estimate, for: "training")
        } catch {
            let message = error.description
            #expect(message.hasPrefix("training would need about "))
            #expect(message.hasSuffix("; the memory budget is 12.0 GB (set memory-budget or --memory-budget)"))
            #expect(!message.contains("\n"))
        }
        // The small hello model fits an ordinary budget; a tiny injected one refuses it.
        let hello = MemoryEstimate.training(
            ModelShape(cell: .rnn, vocabularySize: 4, hiddenSize: 3), configuration: TrainingConfiguration())
        #expect((try? MemoryBudget(bytes: 1e9).check(hello, for: "training")) != nil)
        #expect((try? MemoryBudget(bytes: 1e6).check(hello, for: "training")) == nil)
    }

    @Test func aFullBackwardPassGrowsWithTheText() {
        let shape = ModelShape(cell: .lstm, vocabularySize: 65, hiddenSize: 512, layers: 3)
        let small = MemoryEstimate.gradients(shape, steps: 1000)
        let large = MemoryEstimate.gradients(shape, steps: 200_000)
        #expect(large > 5e9)  // the issue measured 6.4 GB for a text of this length
        #expect(large > 100 * small)
    }

    @Test func theDefaultBudgetIsHalfThePhysicalMemory() {
        #expect(MemoryBudget.standard.bytes == Double(ProcessInfo.processInfo.physicalMemory) / 2)
    }

    @Test func sizesAreParsedAndWritten() {
        #expect(MemoryBudget.parse("8GB") == 8e9)
        #expect(MemoryBudget.parse("500 mb") == 500e6)
        #expect(MemoryBudget.parse("1.5GB") == 1.5e9)
        #expect(MemoryBudget.parse("2e9") == 2e9)
        #expect(MemoryBudget.parse("12kB") == 12e3)
        for bad in ["", "GB", "8XB", "nan", "inf GB", "eight"] { #expect(MemoryBudget.parse(bad) == nil, "\(bad)") }
        #expect(MemoryBudget.format(31.2e9) == "31.2 GB")
        #expect(MemoryBudget.format(512e6) == "512.0 MB")
    }
}

/// The text estimate is checked from the file's size, before reading: a small budget refuses a text,
/// a large one loads it; the estimate is not below what loading really keeps (text + indices).
@Test func textLoadingIsCheckedAgainstTheBudgetFromTheFileSize() throws {
    let path = NSTemporaryDirectory() + "charrnn-budget-text-\(UUID().uuidString).txt"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try String(repeating: "0123456789", count: 100_000).write(toFile: path, atomically: true, encoding: .utf8)  // 1 MB
    #expect(MemoryEstimate.text(bytes: 1_000_000) >= 2_000_000)  // the text and its indices at least
    do {
        _ = try Corpus.load(path: path, budget: MemoryBudget(bytes: 2e6))
        Issue.record("a 1 MB text was loaded under a 2 MB budget")
    } catch {
        guard case .overBudget(let budgetError) = error else { Issue.record("\(error)"); return }
        #expect(budgetError.description.contains("the memory budget is 2.0 MB"))
    }
    let corpus = try Corpus.load(path: path, budget: MemoryBudget(bytes: 100e6))
    #expect(corpus.indices.count == 1_000_000)
}
