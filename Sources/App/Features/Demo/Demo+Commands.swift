// `thonso demo`: loads the demo commune and prints its accounts and household card.
import Vapor

struct DemoCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Loads the demo commune (official lists; Song Phượng's synthetic households carried into Xã Đan Phượng; notices, reach, questions, bookings) and prints its accounts and household card" }
    func run(using context: CommandContext, signature: Signature) async throws {
        try await Demo.load(context.application) { context.console.print($0) }
        for line in try await Demo.startLines(context.application) { context.console.print(line) }
    }
}
