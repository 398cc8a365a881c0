// The gradient check: every analytic gradient against central finite differences,
//   ∂L/∂θ ≈ (L(θ + ε) − L(θ − ε)) / 2ε,
// with the relative error of each tensor over the entries checked:
//   error = ‖g_analytic − g_numeric‖ / max(‖g_analytic‖ + ‖g_numeric‖, 1e-8).
// In float32 with ε = 1e-2 a correct gradient gives errors around 1e-4–1e-3; the documented pass
// threshold is 1e-2. A wrong gradient (one wrong entry, a sign, a missing term) gives 1e-1 or more.
// When the gradients themselves are smaller than float32's rounding noise in the difference
// quotient (a model trained to a loss near 0), the ratio means nothing: such a tensor is reported
// as below the noise, and not failed.

/// The result of checking one tensor.
public struct GradientCheckResult: Sendable, Equatable {
    /// The tensor's PyTorch name.
    public var name: String
    /// How many entries were checked.
    public var checked: Int
    /// The relative error over those entries.
    public var relativeError: Double
    /// Whether the error is below the threshold (or the gradient is below the noise).
    public var passed: Bool
    /// True when ‖g_analytic‖ + ‖g_numeric‖ is below 100 × the rounding noise of the difference
    /// quotient, ε_float · max(1, L) / ε per entry: the gradient is ≈ 0 and the ratio is noise.
    public var belowNoise: Bool = false
}

/// Central finite differences against the backward pass.
public enum GradientCheck {
    /// The pass threshold for the relative error of a tensor (float32 arithmetic).
    public static let threshold = 1e-2

    /// Checks the gradients of (lossScale · Σ loss) on one chunk. `analytic` defaults to the
    /// model's own backward pass; a test passes a corrupted one to see the check fail.
    /// At most `entriesPerTensor` entries of each tensor are checked, chosen with the generator.
    public static func run(
        model: Model, inputs: [Int], targets: [Int], batchSize: Int,
        from state: RecurrentState? = nil, lossScale: Float = 1, analytic: [Tensor]? = nil,
        epsilon: Float = 1e-2, entriesPerTensor: Int = 12, using generator: inout some RandomNumberGenerator
    ) -> [GradientCheckResult] {
        let start = state ?? .zero(model.shape, batchSize: batchSize)
        let gradients =
            analytic
            ?? model.backward(
                model.forward(inputs: inputs, targets: targets, batchSize: batchSize, from: start),
                lossScale: lossScale
            ).gradients
        let baseLoss =
            model.forward(inputs: inputs, targets: targets, batchSize: batchSize, from: start).totalLoss * Double(lossScale)
        func loss(_ m: Model) -> Double {
            m.forward(inputs: inputs, targets: targets, batchSize: batchSize, from: start).totalLoss
                * Double(lossScale)
        }
        var results: [GradientCheckResult] = []
        var probe = model
        for (i, tensor) in model.parameters.enumerated() {
            let count = tensor.values.count
            var entries = Array(0..<count)
            if count > entriesPerTensor {
                entries.shuffle(using: &generator)
                entries = Array(entries.prefix(entriesPerTensor))
            }
            var difference = 0.0, analyticNorm = 0.0, numericNorm = 0.0
            for j in entries {
                let original = tensor.values[j]
                probe.parameters[i].values[j] = original + epsilon
                let plus = loss(probe)
                probe.parameters[i].values[j] = original - epsilon
                let minus = loss(probe)
                probe.parameters[i].values[j] = original
                let numeric = (plus - minus) / (2 * Double(epsilon))
                let exact = Double(gradients[i].values[j])
                difference += (exact - numeric) * (exact - numeric)
                analyticNorm += exact * exact
                numericNorm += numeric * numeric
            }
            let error = difference.squareRoot() / max(analyticNorm.squareRoot() + numericNorm.squareRoot(), 1e-8)
            let noise = Double(Float.ulpOfOne) * max(1, abs(baseLoss)) / Double(epsilon) * Double(entries.count).squareRoot()
            let belowNoise = analyticNorm.squareRoot() + numericNorm.squareRoot() < 100 * noise
            results.append(
                GradientCheckResult(
                    name: tensor.name, checked: entries.count, relativeError: error, passed: error < threshold || belowNoise,
                    belowNoise: belowNoise))
        }
        return results
    }
}
