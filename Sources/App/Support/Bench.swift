import Vapor
struct BenchCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Benchmarks" }
    func run(using context: CommandContext, signature: Signature) async throws {}
}
