import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

/// A GeoReport v2 client, as the spec (wiki.open311.org/GeoReport_v2) documents its calls: form-encoded POST with
/// api_key, JSON answers shaped as the spec's examples, errors as [{code, description}].
@Suite("Open311 GeoReport v2: services, service definitions, requests (create, list, get), errors in the spec's format")
struct Open311Tests {
    func post(_ app: Application, _ fields: [String: String]) async throws -> TestingHTTPResponse {
        try await app.testing().sendRequest(.POST, "/open311/v2/requests.json") { req in
            try req.content.encode(fields, as: .urlEncodedForm)
        }
    }

    func json(_ res: TestingHTTPResponse) throws -> Any { try JSONSerialization.jsonObject(with: Data(res.body.readableBytesView)) }

    @Test("a client lists services, posts a request with an api_key, reads it back by id and in the filtered list")
    func client() async throws {
        try await withTestApp { app in
            let f = try await ReportsFixture.make(app)
            // GET services.json: an array of {service_code, service_name, description, metadata, type, keywords, group}.
            let services = try json(try await app.anonymousPage("/open311/v2/services.json")) as! [[String: Any]]
            #expect(services.count == ReportCategory.allCases.count)
            for s in services {
                #expect(Set(s.keys) == ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"])
                #expect(s["metadata"] as? Bool == false && s["type"] as? String == "realtime")
            }
            #expect(services.contains { $0["service_code"] as? String == "brokenLight" && $0["service_name"] as? String == "Đèn chiếu sáng hỏng" })
            let def = try json(try await app.anonymousPage("/open311/v2/services/drainage.json")) as! [String: Any]
            #expect(def["service_code"] as? String == "drainage" && (def["attributes"] as? [Any])?.isEmpty == true)
            #expect(try await app.anonymousPage("/open311/v2/services/potholes.json").status == .notFound)
            // POST requests.json (the spec's parameters): the key of the commune official's token; the jurisdiction
            // is the commune's code.
            let created = try await post(app, ["api_key": f.officialToken, "jurisdiction_id": "00001", "service_code": "brokenLight", "lat": "21.0905", "long": "105.6712",
                                               "address_string": "Ngõ 5, thôn Đông", "description": "Đèn ngõ 5 không sáng", "first_name": "Hoa", "last_name": "Lê",
                                               "phone": "0912345678", "email": "hoa@example.org"])
            #expect(created.status == .created, "\(created.text)")
            let answer = try json(created) as! [[String: Any]]
            let id = try #require(answer.first?["service_request_id"] as? String)
            #expect(answer.count == 1 && id.count == 8)
            let r = try #require(try await FeedbackReport.query(on: app.db).filter(\.$code == id).first())
            #expect(r.source == "open311" && r.category == .brokenLight && r.phone == "0912345678" && r.reporterName == "Hoa Lê" && r.unitID == f.tree.commune.id)
            // GET requests/{id}.json: an array of one request with the spec's fields.
            let one = try json(try await app.anonymousPage("/open311/v2/requests/\(id).json")) as! [[String: Any]]
            #expect(one.count == 1)
            let req = one[0]
            #expect(req["service_request_id"] as? String == id && req["status"] as? String == "open" && req["service_code"] as? String == "brokenLight")
            #expect(req["lat"] as? Double == 21.0905 && req["long"] as? Double == 105.6712 && req["agency_responsible"] as? String == "Xã Song Phượng")
            #expect((req["requested_datetime"] as? String)?.hasSuffix("+07:00") == true && req["updated_datetime"] != nil)
            // Without a key the public sees no description, phone or words of the place.
            #expect(req["description"] == nil && req["address"] == nil)
            let withKey = try json(try await app.anonymousPage("/open311/v2/requests/\(id).json?api_key=\(f.officialToken)")) as! [[String: Any]]
            #expect(withKey[0]["description"] as? String == "Đèn ngõ 5 không sáng")
            // GET requests.json with the spec's filters.
            _ = try await app.api(.POST, "/api/v1/reports/\(r.id!)/change", json: ReportChangeInput(action: "resolve", answer: "Đã thay bóng"), token: f.officialToken)
            let other = try await post(app, ["api_key": f.officialToken, "service_code": "road", "address_string": "Đường trục thôn Đoài", "description": "Ổ gà lớn"])
            #expect(other.status == .created, "the key's unit gives the jurisdiction: \(other.text)")
            let all = try json(try await app.anonymousPage("/open311/v2/requests.json?jurisdiction_id=00001")) as! [[String: Any]]
            #expect(all.count == 2)
            let closed = try json(try await app.anonymousPage("/open311/v2/requests.json?jurisdiction_id=00001&status=closed")) as! [[String: Any]]
            #expect(closed.map { $0["service_request_id"] as? String } == [id] && closed[0]["status_notes"] as? String == "Đã thay bóng")
            let byCode = try json(try await app.anonymousPage("/open311/v2/requests.json?jurisdiction_id=00001&service_code=road")) as! [[String: Any]]
            #expect(byCode.count == 1 && byCode[0]["status"] as? String == "open")
            let byIDs = try json(try await app.anonymousPage("/open311/v2/requests.json?jurisdiction_id=00001&service_request_id=\(id),ZZZZZZZZ")) as! [[String: Any]]
            #expect(byIDs.count == 1)
            let future = try json(try await app.anonymousPage("/open311/v2/requests.json?jurisdiction_id=00001&start_date=2100-01-01T00:00:00Z")) as! [[String: Any]]
            #expect(future.isEmpty)
            #expect((try json(try await app.anonymousPage("/open311/v2/requests.json?jurisdiction_id=00002")) as! [Any]).isEmpty)
        }
    }

    @Test("errors answer [{code, description}]: no or a bad api_key 403, a missing service_code or location 400, a bad date 400, an unknown request 404; nothing is written")
    func errors() async throws {
        try await withTestApp { app in
            let f = try await ReportsFixture.make(app)
            func error(_ res: TestingHTTPResponse) throws -> (Int, String) {
                let body = try json(res) as! [[String: Any]]
                return (body[0]["code"] as! Int, body[0]["description"] as! String)
            }
            let noKey = try await post(app, ["jurisdiction_id": "00001", "service_code": "road", "address_string": "Ngõ 1", "description": "Ổ gà lớn", "phone": "0912000001"])
            #expect(try noKey.status == .forbidden && (error(noKey)).0 == 403)
            let badKey = try await post(app, ["api_key": "ts_nope", "jurisdiction_id": "00001", "service_code": "road", "address_string": "Ngõ 1", "description": "Ổ gà lớn"])
            #expect(try badKey.status == .forbidden && (error(badKey)).1.contains("api_key"))
            let foreign = try await post(app, ["api_key": f.otherToken, "jurisdiction_id": "00001", "service_code": "road", "address_string": "Ngõ 1", "description": "Ổ gà lớn"])
            #expect(foreign.status == .forbidden)
            let noCode = try await post(app, ["api_key": f.officialToken, "jurisdiction_id": "00001", "address_string": "Ngõ 1", "description": "Ổ gà lớn"])
            #expect(noCode.status == .badRequest)
            let (code, text) = try error(noCode)
            #expect(code == 400 && text.contains("service_code"))
            let noPlace = try await post(app, ["api_key": f.officialToken, "jurisdiction_id": "00001", "service_code": "road", "description": "Ổ gà lớn"])
            #expect(try noPlace.status == .badRequest && (error(noPlace)).1.contains("address_string"))
            let outside = try await post(app, ["api_key": f.officialToken, "jurisdiction_id": "00001", "service_code": "road", "lat": "48.85", "long": "2.35", "description": "Ổ gà lớn"])
            #expect(try outside.status == .badRequest && (error(outside)).1.contains("lat"))
            #expect(try await app.count("feedback_reports") == 0)
            let badDate = try await app.anonymousPage("/open311/v2/requests.json?jurisdiction_id=00001&start_date=yesterday")
            #expect(try badDate.status == .badRequest && (error(badDate)).1.contains("start_date"))
            let noJurisdiction = try await app.anonymousPage("/open311/v2/requests.json")
            #expect(try noJurisdiction.status == .badRequest && (error(noJurisdiction)).1.contains("jurisdiction_id"))
            let unknown = try await app.anonymousPage("/open311/v2/requests/ZZZZZZZZ.json")
            #expect(try unknown.status == .notFound && (error(unknown)).0 == 404)
        }
    }
}
