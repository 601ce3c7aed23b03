import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Managing accounts through the pages")
struct AccountsPagesTests {
    @Test("an administrator creates a person, grants and revokes a role; the person changes their own password")
    func pages() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let bad = try await app.form("/people", ["username": "to truong", "displayName": "", "password": "123", "role": "groupHead", "unitId": ""])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text.contains("value=\"to truong\""))
            let made = try await app.form("/people", ["username": "totruong1", "displayName": "Tổ trưởng Một", "password": "mat-khau-dai", "role": "groupHead", "unitId": t.group11.id.uuidString])
            #expect(made.status == .seeOther)
            let personURL = try #require(made.headers.first(name: .location))
            let page = try await app.page(personURL)
            #expect(page.text.contains("Tổ trưởng") && page.text.contains("Tổ 1"))
            let granted = try await app.form(personURL + "/grants", ["role": "digitalTeamMember", "unitId": t.village1.id.uuidString])
            #expect(granted.status == .seeOther)
            let after = try await app.page(personURL)
            #expect(after.text.contains("Thành viên tổ công nghệ số"))
            let people = try await app.page("/people")
            #expect(people.text.contains("totruong1"))

            let browser = try await app.signIn("totruong1", password: "mat-khau-dai")
            let wrong = try await app.form("/account/password", ["current": "khong-dung", "password": "mat-khau-moi"], as: browser)
            #expect(wrong.status == .unprocessableEntity && wrong.text.contains("Mật khẩu hiện tại không đúng."))
            let changed = try await app.form("/account/password", ["current": "mat-khau-dai", "password": "mat-khau-moi"], as: browser)
            #expect(changed.status == .ok && changed.text.contains("Đã đổi mật khẩu."))
            _ = try await app.signIn("totruong1", password: "mat-khau-moi")

            let tokens = try await app.form("/tokens", ["name": "Trang thông tin xã", "role": "justiceOfficer", "unitId": "00001"])
            #expect(tokens.status == .ok && tokens.text.contains("ts_"))
        }
    }
}
