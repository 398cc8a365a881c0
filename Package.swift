// swift-tools-version:6.0
// charrnn — a literate teaching shell for character-level recurrent language models.
//
// Targets and what each depends on (dependencies point one way; see README.md):
//
//   CharRNN      the engine: model, training, checkpoints          (nothing)
//   Rendering    text and charts for a terminal                     (nothing)
//   Lessons      lesson files, the lesson player, progress          (nothing)
//   Shell        the teaching shell: session and commands           CharRNN, Rendering, Lessons
//   Terminal     a real terminal: readline, signals, width          Shell, Rendering, CReadline
//   CReadline    the system's GNU readline                          (system library)
//   CharRNNCommand  the `charrnn` executable                        CharRNN, Rendering, Shell, Terminal,
//                                                                   ArgumentParser
//
//   CharRNN, Rendering and Lessons are independent of one another (the engine never prints, the
//   renderers import no model, lessons are data); the Shell is where they meet.
//   Each test target tests the target of its name; TestSupport (snapshots, temporary directories,
//   running the built `charrnn`) is shared by all of them and depends on no target of the package.
import Foundation
import PackageDescription

/// The engine is numeric code: a debug build is 10–100× slower. It is optimised in every
/// configuration, so `swift run charrnn` and `swift test` give the learner the engine's real speed.
/// `-O` alone is not enough in a debug build: SwiftPM compiles a debug target file by file, and
/// then nothing is inlined across files (the micro-kernels in Kernels.swift into the tiles of
/// Kernels+Products.swift, for one), which made `swift run` train 4–7× slower than `-c release`.
/// `-wmo` compiles the engine as one module in every configuration (`-num-threads 2` keeps one
/// object file per source file, as the debug build's index expects; `-disable-batch-mode` stops
/// the warning that whole-module mode ignores batch mode). Measured: debug and release within
/// the noise (`bench --config lstm-128-b32`: 105–112k against 107k chars/s).
/// It is built for the host CPU (`-target-cpu native`: AVX2/AVX-512 and FMA where the machine has
/// them; measured 1.2–2.4× over the baseline x86-64 target) with fused multiply-add kernels
/// (`CHARRNN_FMA`). charrnn is built from source on the machine that runs it, so this is safe;
/// remove both flags to build a binary for another machine. See README "Performance".
/// With `native`, the kernels' tile also follows the host: a machine with AVX-512 (32 registers of
/// 512 bits) gets the 8 × 32 tile (`CHARRNN_AVX512`), any other the 6 × 16 tile that fits 16
/// registers of 256 bits (Kernels+Products.swift, "Tiles"). Both give the same bits.
let hostHasAVX512 = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.contains(" avx512f") ?? false
let engineFlags: [SwiftSetting] = [
    .unsafeFlags(
        ["-O", "-wmo", "-num-threads", "2", "-disable-batch-mode", "-target-cpu", "native", "-D", "CHARRNN_FMA"]
            + (hostHasAVX512 ? ["-D", "CHARRNN_AVX512"] : []))
]

let package = Package(
    name: "charrnn",
    products: [
        .executable(name: "charrnn", targets: ["CharRNNCommand"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        .systemLibrary(name: "CReadline", providers: [.apt(["libreadline-dev"])]),
        .target(name: "CharRNN", swiftSettings: engineFlags),
        .target(name: "Rendering"),
        .target(name: "Lessons"),
        .target(name: "Shell", dependencies: ["CharRNN", "Rendering", "Lessons"]),
        .target(name: "Terminal", dependencies: ["Shell", "Rendering", "CReadline"]),
        .executableTarget(
            name: "CharRNNCommand",
            dependencies: [
                "CharRNN", "Rendering", "Lessons", "Shell", "Terminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "CharRNNTests", dependencies: ["CharRNN", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "RenderingTests", dependencies: ["Rendering", "TestSupport"], exclude: ["Snapshots"]),
        .testTarget(name: "LessonsTests", dependencies: ["Lessons", "TestSupport"]),
        .testTarget(
            name: "ShellTests", dependencies: ["Shell", "Lessons", "CharRNN", "TestSupport"], exclude: ["Snapshots"]),
        .testTarget(name: "TerminalTests", dependencies: ["Terminal", "TestSupport"]),
    ]
)
