import Foundation
import Testing
@testable import App

@Suite("docs/security.md matches the code")
struct SecurityDocTests {
    @Test("the roles table is what Role.permissions says")
    func rolesTable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/security.md"), encoding: .utf8)
        let start = try #require(doc.range(of: "<!-- roles-table:start -->"))
        let end = try #require(doc.range(of: "<!-- roles-table:end -->"))
        let table = doc[start.upperBound..<end.lowerBound].split(separator: "\n").map(String.init).filter { $0.hasPrefix("|") }
        var expected = ["| role | " + Permission.allCases.map(\.rawValue).joined(separator: " | ") + " |",
                        "|---" + String(repeating: "|---", count: Permission.allCases.count) + "|"]
        for role in Role.allCases {
            expected.append("| \(role.rawValue) | " + Permission.allCases.map { role.permissions.contains($0) ? "✓" : "" }.joined(separator: " | ") + " |")
        }
        #expect(table == expected)
    }
}
